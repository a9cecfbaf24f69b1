"""The shape of every project file, as pydantic models.

These models say what a well-formed file looks like; :mod:`dtwin_gui.core.validation` turns
their errors into located problems and adds the rules that span files.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

RESERVED_KEYS = frozenset({"device_id", "timestamp", "trace_id"})
LEGACY_RESERVED_KEYS = frozenset({"iotDeviceId", "time"})

DEVICE_ID_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$"
PROPERTY_NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*$"
FUNCTION_NAME_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _Open(BaseModel):
    """For files whose extra keys are informational (kept, not checked)."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)


DataType = Literal["STRING", "DOUBLE", "INTEGER", "BOOLEAN"]
DATA_TYPES: tuple[str, ...] = ("STRING", "DOUBLE", "INTEGER", "BOOLEAN")


def _scalar(value: object) -> object:
    if isinstance(value, bool | int | float | str):
        return value
    raise ValueError("must be a string, a number or true/false")


Scalar = Annotated[object, AfterValidator(_scalar)]


Mode = Literal["DEBUG", "PRODUCTION"]


class ConfigFile(_Strict):
    digital_twin_name: StrictStr
    hot_storage_size_in_days: Annotated[StrictInt, Field(ge=1, le=3650)]
    cold_storage_size_in_days: Annotated[StrictInt, Field(ge=1, le=36500)]
    mode: Mode


class PropertyModel(_Strict):
    name: Annotated[StrictStr, Field(pattern=PROPERTY_NAME_PATTERN)]
    dataType: DataType
    initValue: Scalar | None = None


class ConstPropertyModel(_Strict):
    name: Annotated[StrictStr, Field(pattern=PROPERTY_NAME_PATTERN)]
    dataType: DataType
    value: Scalar


class DeviceModel(_Strict):
    id: Annotated[StrictStr, Field(pattern=DEVICE_ID_PATTERN)]
    properties: Annotated[list[PropertyModel], Field(min_length=1)]
    constProperties: list[ConstPropertyModel] = []


class FeedbackModel(_Strict):
    device_id: StrictStr
    payload: dict[str, object]


class ActionModel(_Strict):
    type: Literal["function", "workflow"]
    functionName: Annotated[StrictStr, Field(pattern=FUNCTION_NAME_PATTERN)] | None = None
    feedback: FeedbackModel | None = None


class EventRuleModel(_Strict):
    condition: Annotated[StrictStr, Field(min_length=1)]
    action: ActionModel


class ProvidersFile(_Strict):
    """Values are checked by the validator (it knows the aliases and the support matrix)."""

    layer_1_provider: StrictStr
    layer_2_provider: StrictStr
    layer_3_hot_provider: StrictStr
    layer_3_cold_provider: StrictStr
    layer_3_archive_provider: StrictStr
    layer_4_provider: StrictStr
    layer_5_provider: StrictStr


class FeaturesFile(_Strict):
    use_event_checking: StrictBool = False
    trigger_notification_workflow: StrictBool = False
    return_feedback_to_device: StrictBool = False
    integrate_error_handling: StrictBool = False
    needs_3d_model: StrictBool = False


class ProjectInfoFile(_Strict):
    description: StrictStr = ""
    created_at: StrictStr | None = None


class PayloadModel(_Open):
    device_id: StrictStr
    timestamp: StrictStr | None = None


#: TwinMaker also has LONG; the older tool accepted it in hierarchy properties.
HierarchyDataType = Literal["STRING", "DOUBLE", "INTEGER", "BOOLEAN", "LONG"]


class HierarchyPropertyModel(_Strict):
    """A property a TwinMaker component adds or sets (``initValue``: its starting value)."""

    name: Annotated[StrictStr, Field(pattern=PROPERTY_NAME_PATTERN)]
    dataType: HierarchyDataType
    initValue: Scalar | None = None


class HierarchyConstPropertyModel(_Strict):
    """A constant value of a TwinMaker component (also overrides a device's constant)."""

    name: Annotated[StrictStr, Field(pattern=PROPERTY_NAME_PATTERN)]
    dataType: HierarchyDataType
    value: Scalar


class AwsComponentNode(_Strict):
    type: Literal["component"]
    name: Annotated[StrictStr, Field(min_length=1)]
    componentTypeId: StrictStr | None = None
    iotDeviceId: StrictStr | None = None
    properties: list[HierarchyPropertyModel] = []
    constProperties: list[HierarchyConstPropertyModel] = []


class AwsEntityNode(_Strict):
    type: Literal["entity"]
    id: Annotated[StrictStr, Field(min_length=1, max_length=128)]
    children: list[Annotated[AwsEntityNode | AwsComponentNode, Field(discriminator="type")]] = []


class AzureTwinMetadata(_Open):
    model: StrictStr = Field(alias="$model")


class AzureTwin(_Open):
    dtId: Annotated[StrictStr, Field(alias="$dtId", min_length=1)]
    metadata: AzureTwinMetadata = Field(alias="$metadata")


class AzureRelationship(_Open):
    dtId: StrictStr = Field(alias="$dtId")
    relationshipId: StrictStr = Field(alias="$relationshipId")
    targetId: StrictStr = Field(alias="$targetId")
    relationshipName: StrictStr = Field(alias="$relationshipName")


class AzureModel(_Open):
    id: Annotated[StrictStr, Field(alias="@id", pattern=r"^dtmi:[A-Za-z0-9_:]+;[0-9]+$")]
    type: StrictStr = Field(alias="@type")
    context: StrictStr | list[StrictStr] = Field(alias="@context")


class AzureHierarchyFile(_Open):
    models: list[AzureModel]
    twins: list[AzureTwin] = []
    relationships: list[AzureRelationship] = []


AwsHierarchyNode = Annotated[AwsEntityNode | AwsComponentNode, Field(discriminator="type")]


class UsageFile(_Strict):
    """``config_usage.json`` (optional; :mod:`dtwin_gui.core.usage`): the numbers the cost
    estimate is based on. Every key is optional; a missing one takes its default."""

    devices: Annotated[StrictInt, Field(ge=1, le=10_000_000)] | None = None
    messages_per_device_per_minute: Annotated[float, Field(ge=0.001, le=6000)] | None = None
    payload_bytes: Annotated[StrictInt, Field(ge=1, le=262_144)] | None = None
    archive_days: Annotated[StrictInt, Field(ge=0, le=36500)] | None = None
    dashboard_users: Annotated[StrictInt, Field(ge=0, le=100_000)] | None = None
    twin_entities: Annotated[StrictInt, Field(ge=0, le=10_000_000)] | None = None
