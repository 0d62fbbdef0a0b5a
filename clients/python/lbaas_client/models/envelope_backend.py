from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.envelope_health_check import EnvelopeHealthCheck
    from ..models.envelope_rule import EnvelopeRule


T = TypeVar("T", bound="EnvelopeBackend")


@_attrs_define
class EnvelopeBackend:
    """
    Attributes:
        entities (list[str]): Backends as `IP[:port]` or `http://IP[:port]/path` URLs.
        auto_scaling (bool | None | Unset):
        health_check (EnvelopeHealthCheck | None | Unset):
        rules (list[EnvelopeRule] | None | Unset): http/https: routing rules tried in order before `entities` (L7
            policies; change them
            later through REST `…/listeners/default/policies`).
    """

    entities: list[str]
    auto_scaling: bool | None | Unset = UNSET
    health_check: EnvelopeHealthCheck | None | Unset = UNSET
    rules: list[EnvelopeRule] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.envelope_health_check import EnvelopeHealthCheck  # noqa: PLC0415

        entities = self.entities

        auto_scaling: bool | None | Unset
        if isinstance(self.auto_scaling, Unset):
            auto_scaling = UNSET
        else:
            auto_scaling = self.auto_scaling

        health_check: dict[str, Any] | None | Unset
        if isinstance(self.health_check, Unset):
            health_check = UNSET
        elif isinstance(self.health_check, EnvelopeHealthCheck):
            health_check = self.health_check.to_dict()
        else:
            health_check = self.health_check

        rules: list[dict[str, Any]] | None | Unset
        if isinstance(self.rules, Unset):
            rules = UNSET
        elif isinstance(self.rules, list):
            rules = []
            for rules_type_0_item_data in self.rules:
                rules_type_0_item = rules_type_0_item_data.to_dict()
                rules.append(rules_type_0_item)

        else:
            rules = self.rules

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "entities": entities,
            }
        )
        if auto_scaling is not UNSET:
            field_dict["auto-scaling"] = auto_scaling
        if health_check is not UNSET:
            field_dict["health-check"] = health_check
        if rules is not UNSET:
            field_dict["rules"] = rules

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.envelope_health_check import EnvelopeHealthCheck  # noqa: PLC0415
        from ..models.envelope_rule import EnvelopeRule  # noqa: PLC0415

        d = dict(src_dict)
        entities = cast(list[str], d.pop("entities"))

        def _parse_auto_scaling(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        auto_scaling = _parse_auto_scaling(d.pop("auto-scaling", UNSET))

        def _parse_health_check(data: object) -> EnvelopeHealthCheck | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                health_check_type_1 = EnvelopeHealthCheck.from_dict(data)

                return health_check_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EnvelopeHealthCheck | None | Unset, data)

        health_check = _parse_health_check(d.pop("health-check", UNSET))

        def _parse_rules(data: object) -> list[EnvelopeRule] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                rules_type_0 = []
                _rules_type_0 = data
                for rules_type_0_item_data in _rules_type_0:
                    rules_type_0_item = EnvelopeRule.from_dict(rules_type_0_item_data)

                    rules_type_0.append(rules_type_0_item)

                return rules_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[EnvelopeRule] | None | Unset, data)

        rules = _parse_rules(d.pop("rules", UNSET))

        envelope_backend = cls(
            entities=entities,
            auto_scaling=auto_scaling,
            health_check=health_check,
            rules=rules,
        )

        return envelope_backend
