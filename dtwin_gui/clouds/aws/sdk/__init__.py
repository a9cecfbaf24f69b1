"""SDK steps: what Terraform cannot (or should not) create, done idempotently and undone.

* L1 IoT devices (:mod:`.iot_devices`): a certificate and key per device for the simulator,
  attached to the Terraform-made thing and policy, stored owner-only in the deployment
  workspace;
* L4 IoT TwinMaker (:mod:`.twinmaker`): workspace, a component type per device bound to the
  hot reader data connector, entities and components from ``twin_hierarchy/aws_hierarchy.json``;
* L5 Managed Grafana (:mod:`.grafana`): a data source on the hot reader and a dashboard with one
  panel per device property (the workspace itself is Terraform's).

:func:`~.steps.run_sdk_steps` creates or updates, :func:`~.steps.destroy_sdk` removes,
:func:`~.steps.probe_sdk` checks live. What was created is recorded in ``sdk_state.json``
(:mod:`.state`) so destroy and status know it without recomputing.
"""
