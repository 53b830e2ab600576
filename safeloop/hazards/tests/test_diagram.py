from django.core.management import call_command


def test_the_committed_workflow_diagram_matches_the_declaration():
    # Fails when workflow.py changed and docs/hazard-workflow.md was not regenerated.
    call_command("hazard_workflow_diagram", "--check")
