"""SDK steps: what Terraform cannot (or should not) create, done idempotently and undone.

* L1 IoT devices (:mod:`.iot_devices`): a certificate and key per device for the simulator,
  attached to the Terraform-made thing and policy, stored owner-only in the deployment
  workspace;
* L4 IoT TwinMaker (:mod:`.twinmaker`): workspace, a component type per device bound to the
  hot reader data connector, entities and components from ``twin_hierarchy/aws_hierarchy.json``;
* L5 Managed Grafana (:mod:`.grafana`): a data source on the hot reader and a dashboard with one
  panel per device property (the workspace itself is Terraform's).

:mod:`.steps` makes each of them an :class:`~dtwin_gui.clouds.base.SdkStep` with a stable step
id (``aws.iot_devices``, ``aws.twinmaker``, ``aws.grafana``; the plugin's ``sdk_steps`` part);
:mod:`dtwin_gui.deploy.sdk_phase` runs them (deploy in order, destroy in reverse, probe).
:mod:`.describe` says what they will make for the Review page. What was created is recorded in
``sdk_state.json`` (:mod:`.state`), keyed by step id, so destroy and status know it without
recomputing.
"""
