from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.envelope_project_create_instances_type_0_item import EnvelopeProjectCreateInstancesType0Item


T = TypeVar("T", bound="EnvelopeProjectCreate")


@_attrs_define
class EnvelopeProjectCreate:
    """`create project`. The first clients send `{"type": "project", "user": "john", "name": "john's
    project", "instances": []}`: `name` may be a human name (kept as the display name, with a
    DNS label derived from it), `user` must be the token's tenant, `type` must be `project` and
    `instances` empty (instances are created with their own requests).

        Attributes:
            name (str): A DNS label, or a human name a label is derived from (`john's project` →
                `johns-project`).
            description (None | str | Unset):
            display_name (None | str | Unset): How people call it when `name` is a label; `name` when absent.
            instances (list[EnvelopeProjectCreateInstancesType0Item] | None | Unset): Must be empty if given.
            type_ (None | str | Unset): `project`, if given.
            user (None | str | Unset): The tenant this token belongs to, if given.
    """

    name: str
    description: None | str | Unset = UNSET
    display_name: None | str | Unset = UNSET
    instances: list[EnvelopeProjectCreateInstancesType0Item] | None | Unset = UNSET
    type_: None | str | Unset = UNSET
    user: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        display_name: None | str | Unset
        if isinstance(self.display_name, Unset):
            display_name = UNSET
        else:
            display_name = self.display_name

        instances: list[dict[str, Any]] | None | Unset
        if isinstance(self.instances, Unset):
            instances = UNSET
        elif isinstance(self.instances, list):
            instances = []
            for instances_type_0_item_data in self.instances:
                instances_type_0_item = instances_type_0_item_data.to_dict()
                instances.append(instances_type_0_item)

        else:
            instances = self.instances

        type_: None | str | Unset
        if isinstance(self.type_, Unset):
            type_ = UNSET
        else:
            type_ = self.type_

        user: None | str | Unset
        if isinstance(self.user, Unset):
            user = UNSET
        else:
            user = self.user

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if display_name is not UNSET:
            field_dict["display_name"] = display_name
        if instances is not UNSET:
            field_dict["instances"] = instances
        if type_ is not UNSET:
            field_dict["type"] = type_
        if user is not UNSET:
            field_dict["user"] = user

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.envelope_project_create_instances_type_0_item import EnvelopeProjectCreateInstancesType0Item  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_display_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        display_name = _parse_display_name(d.pop("display_name", UNSET))

        def _parse_instances(data: object) -> list[EnvelopeProjectCreateInstancesType0Item] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                instances_type_0 = []
                _instances_type_0 = data
                for instances_type_0_item_data in _instances_type_0:
                    instances_type_0_item = EnvelopeProjectCreateInstancesType0Item.from_dict(
                        instances_type_0_item_data
                    )

                    instances_type_0.append(instances_type_0_item)

                return instances_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[EnvelopeProjectCreateInstancesType0Item] | None | Unset, data)

        instances = _parse_instances(d.pop("instances", UNSET))

        def _parse_type_(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        type_ = _parse_type_(d.pop("type", UNSET))

        def _parse_user(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user = _parse_user(d.pop("user", UNSET))

        envelope_project_create = cls(
            name=name,
            description=description,
            display_name=display_name,
            instances=instances,
            type_=type_,
            user=user,
        )

        return envelope_project_create
