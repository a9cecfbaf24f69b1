"""Azure's SDK steps: what Terraform cannot do (device identities, twins, dashboards)."""
