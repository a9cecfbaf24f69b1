"""The ``update_code`` part of Google: a layer's Cloud Functions on its new source zip.

Google packages one source zip per layer, and every Cloud Function of that layer is built
from it, so updating a processor puts each function of its layer on the new zip. In the
sandbox that is the provisioner's own per-function call (``PUT`` to the functions host, the
environment resolved as the provisioner resolves it); the host restarts each function on the
zip and reports the SHA-256 it runs, and the provision record's ``packages`` learns it. On a
real project the zip is a Terraform input (the layer's ``google_storage_bucket_object``, named
by its hash, and the ``google_cloudfunctions2_function`` resources built from it): the part
names those and the engine applies them alone.
"""

from __future__ import annotations

from dtwin_gui.clouds.code_update import CodeUpdate, CodeUpdateContext, CodeUpdateError
from dtwin_gui.iac.addresses import module_name

CODE_TYPES = ("google_storage_bucket_object", "google_cloudfunctions2_function")


def terraform_targets(ctx: CodeUpdateContext) -> tuple[str, ...]:
    """The layer module's source object and Cloud Functions in the Terraform state."""
    prefix = f"module.{module_name('google', ctx.layer)}."
    found = tuple(
        r.address
        for r in ctx.state_resources()
        if r.type in CODE_TYPES and r.address.startswith(prefix)
    )
    if not any(".google_cloudfunctions2_function." in a for a in found):
        raise CodeUpdateError(
            f"the {ctx.layer} Cloud Functions are not in this deployment's Terraform state",
            "deploy the twin once (a full deploy), then update single functions",
        )
    return found


def update_code(ctx: CodeUpdateContext) -> CodeUpdate:
    """The layer's functions on ``ctx.build``: in the sandbox through the functions host,
    on Google by naming the Terraform resources built from the source zip."""
    if not ctx.connection.is_sandbox:
        return CodeUpdate(False, "", terraform_targets(ctx), detail="source object")
    return _sandbox_update(ctx)


def _sandbox_update(ctx: CodeUpdateContext) -> CodeUpdate:
    from dtwin_gui.clouds.google import emulator_api as api
    from dtwin_gui.clouds.google.provision import _glue_urls, _trigger, function_env, sandbox_intent
    from dtwin_gui.clouds.google.sandbox.client import SandboxGoogle, SandboxGoogleError

    pctx = ctx.provision_context()
    functions = sandbox_intent(pctx).layer_functions(ctx.layer)
    recorded = set(ctx.saved.get("functions") or [])
    missing = [f.name for f in functions if f.name not in recorded]
    if not functions or missing:
        raise CodeUpdateError(
            f"the {ctx.layer} Cloud Functions were not all provisioned by the last deploy"
            + (f" (missing: {', '.join(missing)})" if missing else ""),
            "deploy the twin once (a full deploy), then update single functions",
        )
    control = SandboxGoogle(api.gateway(ctx.connection))
    glue = _glue_urls(pctx)
    store: list = []

    def secrets():
        if not store:
            store.append(pctx.glue_secrets())
        return store[0]

    package, sha = str(ctx.build.path), ctx.build.sha256
    packages = dict(ctx.saved.get("packages") or {})
    for fn in functions:
        try:
            state = control.put_function(
                fn.name,
                package=package,
                package_sha256=sha,
                entry_point=fn.entry_point,
                signature=fn.signature,
                env=function_env(pctx, fn, glue, secrets),
                trigger=_trigger(fn),
            )
        except (SandboxGoogleError, ValueError) as exc:
            raise CodeUpdateError(
                f"the sandbox did not take the new source of {fn.name}: {exc}",
                "check the sandbox (dtwin sandbox status) and update again",
            ) from None
        live = state.get("package_sha256") or ""
        if state.get("state") != "running" or live != sha:
            raise CodeUpdateError(
                f"{fn.name} is {state.get('state')} on source {live[:12] or 'none'}, not the "
                f"one just built ({sha[:12]}) {state.get('detail') or ''}".rstrip(),
                "read the function's log (dtwin logs PATH), fix the code and update again",
            )
        packages[fn.name] = live
    names = tuple(f.name for f in functions)
    return CodeUpdate(
        True,
        sha,
        record={**dict(ctx.saved), "packages": packages},
        names=names,
        detail=f"{len(names)} Cloud Function(s) of {ctx.layer} run {sha[:12]}",
    )
