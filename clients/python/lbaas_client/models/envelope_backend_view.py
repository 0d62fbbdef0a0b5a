from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.envelope_health_check_view import EnvelopeHealthCheckView


T = TypeVar("T", bound="EnvelopeBackendView")


@_attrs_define
class EnvelopeBackendView:
    """
    Attributes:
        auto_scaling (bool):
        entities (list[str]):
        health_check (EnvelopeHealthCheckView | None | Unset):
    """

    auto_scaling: bool
    entities: list[str]
    health_check: EnvelopeHealthCheckView | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.envelope_health_check_view import EnvelopeHealthCheckView  # noqa: PLC0415

        auto_scaling = self.auto_scaling

        entities = self.entities

        health_check: dict[str, Any] | None | Unset
        if isinstance(self.health_check, Unset):
            health_check = UNSET
        elif isinstance(self.health_check, EnvelopeHealthCheckView):
            health_check = self.health_check.to_dict()
        else:
            health_check = self.health_check

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "auto-scaling": auto_scaling,
                "entities": entities,
            }
        )
        if health_check is not UNSET:
            field_dict["health-check"] = health_check

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.envelope_health_check_view import EnvelopeHealthCheckView  # noqa: PLC0415

        d = dict(src_dict)
        auto_scaling = d.pop("auto-scaling")

        entities = cast(list[str], d.pop("entities"))

        def _parse_health_check(data: object) -> EnvelopeHealthCheckView | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                health_check_type_1 = EnvelopeHealthCheckView.from_dict(data)

                return health_check_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EnvelopeHealthCheckView | None | Unset, data)

        health_check = _parse_health_check(d.pop("health-check", UNSET))

        envelope_backend_view = cls(
            auto_scaling=auto_scaling,
            entities=entities,
            health_check=health_check,
        )

        envelope_backend_view.additional_properties = d
        return envelope_backend_view

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
