from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.action_create import ActionCreate
from ..models.type_project import TypeProject

if TYPE_CHECKING:
    from ..models.envelope_project_create import EnvelopeProjectCreate


T = TypeVar("T", bound="ProjectCreateRequest")


@_attrs_define
class ProjectCreateRequest:
    """
    Attributes:
        action (ActionCreate):
        info (EnvelopeProjectCreate): `create project`. The first clients send `{"type": "project", "user": "john",
            "name": "john's
            project", "instances": []}`: `name` may be a human name (kept as the display name, with a
            DNS label derived from it), `user` must be the token's tenant, `type` must be `project` and
            `instances` empty (instances are created with their own requests).
        type_ (TypeProject):
    """

    action: ActionCreate
    info: EnvelopeProjectCreate
    type_: TypeProject

    def to_dict(self) -> dict[str, Any]:
        action = self.action.value

        info = self.info.to_dict()

        type_ = self.type_.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "action": action,
                "info": info,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.envelope_project_create import EnvelopeProjectCreate  # noqa: PLC0415

        d = dict(src_dict)
        action = ActionCreate(d.pop("action"))

        info = EnvelopeProjectCreate.from_dict(d.pop("info"))

        type_ = TypeProject(d.pop("type"))

        project_create_request = cls(
            action=action,
            info=info,
            type_=type_,
        )

        return project_create_request
