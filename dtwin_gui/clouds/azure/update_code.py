"""The ``update_code`` part of Azure: a layer's Function App on its new package.

Azure packages one zip per Function App (one app per layer), so updating a processor puts
its layer's app on the new zip. In the sandbox that is the provisioner's own per-app call:
the app's settings resolved as the provisioner resolves them, then ``PUT`` of the app to the
sandbox's Functions host, which restarts the app on the zip and reports the SHA-256 it runs.
On a real subscription the zip is a Terraform input (``zip_deploy_file`` of the layer's
``azurerm_linux_function_app``): the part names that resource and the engine applies it alone.
"""

from __future__ import annotations

from dtwin_gui.clouds.code_update import CodeUpdate, CodeUpdateContext, CodeUpdateError
from dtwin_gui.iac.addresses import module_name

APP_TYPE = "azurerm_linux_function_app"


def terraform_targets(ctx: CodeUpdateContext) -> tuple[str, ...]:
    """The layer module's Function App in the Terraform state (real Azure)."""
    prefix = f"module.{module_name('azure', ctx.layer)}."
    found = tuple(
        r.address
        for r in ctx.state_resources()
        if r.type == APP_TYPE and r.address.startswith(prefix)
    )
    if not found:
        raise CodeUpdateError(
            f"the {ctx.layer} Function App is not in this deployment's Terraform state",
            "deploy the twin once (a full deploy), then update single functions",
        )
    return found


def update_code(ctx: CodeUpdateContext) -> CodeUpdate:
    """The layer's app on ``ctx.build``: in the sandbox through the Functions host, on
    Azure by naming the Terraform resource that deploys the zip."""
    if not ctx.connection.is_sandbox:
        return CodeUpdate(False, "", terraform_targets(ctx), detail="zip_deploy_file")
    return _sandbox_update(ctx)


def _sandbox_update(ctx: CodeUpdateContext) -> CodeUpdate:
    from dtwin_gui.clouds.azure.provision import (
        _dispatcher_route,
        _sandbox_settings,
        app_settings,
        sandbox_intent,
    )
    from dtwin_gui.clouds.azure.sandbox.client import SandboxAzure, SandboxAzureError

    keys = dict(ctx.saved.get("functions_keys") or {})
    pctx = ctx.provision_context()
    intent = sandbox_intent(pctx)
    app = next((a for a in intent.function_apps if a.layer == ctx.layer), None)
    if app is None or app.name not in (ctx.saved.get("function_apps") or []):
        raise CodeUpdateError(
            f"the {ctx.layer} Function App was not provisioned by the last deploy",
            "deploy the twin once (a full deploy), then update single functions",
        )
    if any(a.layer not in keys for a in intent.function_apps):
        raise CodeUpdateError(
            "the sandbox's record of the Function Apps has no functions keys",
            "deploy the twin again (a full deploy), then update single functions",
        )
    control = SandboxAzure(ctx.connection)
    try:
        settings = app_settings(pctx, app, intent, keys)
        hub = None
        if "DTWIN_IOT_ENDPOINT" in settings and intent.iothub is not None:
            # converges as on every provision; it answers with the hub's service key
            hub = control.put_iothub(intent.iothub.name, _dispatcher_route(intent))
        settings.update(_sandbox_settings(pctx, settings, hub))
        state = control.put_app(app.name, app.layer, str(ctx.build.path), settings)
    except (SandboxAzureError, ValueError, KeyError) as exc:
        raise CodeUpdateError(
            f"the sandbox did not take the new package of {app.name}: {exc}",
            "check the sandbox (dtwin sandbox status) and update again",
        ) from None
    live = state.get("package_sha256") or ""
    if state.get("state") != "running" or live != ctx.build.sha256:
        raise CodeUpdateError(
            f"{app.name} is {state.get('state')} on package {live[:12] or 'none'}, not the "
            f"package just built ({ctx.build.sha256[:12]}): {state.get('detail') or ''}".rstrip(
                ": "
            ),
            "read the app's log (dtwin logs PATH), fix the code and update again",
        )
    functions = ", ".join(f.get("name", "") for f in state.get("functions") or [])
    return CodeUpdate(
        True,
        live,
        names=(app.name,),
        detail=f"Function App {app.name} runs {live[:12]} ({functions})",
    )
