"""One Lambda handler module per function role (``<role with underscores>.handler``)."""
