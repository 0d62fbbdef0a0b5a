from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.l7_action import L7Action
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.l7_rule import L7Rule


T = TypeVar("T", bound="L7PolicyUpdate")


@_attrs_define
class L7PolicyUpdate:
    """Replaces the whole policy but its name (send what should stay, too).

    Attributes:
        action (L7Action): What an L7 policy does when its rules match (Octavia's names).
        generation (int | None | Unset):
        position (int | None | Unset):
        redirect_http_code (int | None | Unset):
        redirect_pool (None | str | Unset):
        redirect_prefix (None | str | Unset):
        redirect_url (None | str | Unset):
        rules (list[L7Rule] | Unset):
    """

    action: L7Action
    generation: int | None | Unset = UNSET
    position: int | None | Unset = UNSET
    redirect_http_code: int | None | Unset = UNSET
    redirect_pool: None | str | Unset = UNSET
    redirect_prefix: None | str | Unset = UNSET
    redirect_url: None | str | Unset = UNSET
    rules: list[L7Rule] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        action = self.action.value

        generation: int | None | Unset
        if isinstance(self.generation, Unset):
            generation = UNSET
        else:
            generation = self.generation

        position: int | None | Unset
        if isinstance(self.position, Unset):
            position = UNSET
        else:
            position = self.position

        redirect_http_code: int | None | Unset
        if isinstance(self.redirect_http_code, Unset):
            redirect_http_code = UNSET
        else:
            redirect_http_code = self.redirect_http_code

        redirect_pool: None | str | Unset
        if isinstance(self.redirect_pool, Unset):
            redirect_pool = UNSET
        else:
            redirect_pool = self.redirect_pool

        redirect_prefix: None | str | Unset
        if isinstance(self.redirect_prefix, Unset):
            redirect_prefix = UNSET
        else:
            redirect_prefix = self.redirect_prefix

        redirect_url: None | str | Unset
        if isinstance(self.redirect_url, Unset):
            redirect_url = UNSET
        else:
            redirect_url = self.redirect_url

        rules: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.rules, Unset):
            rules = []
            for rules_item_data in self.rules:
                rules_item = rules_item_data.to_dict()
                rules.append(rules_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "action": action,
            }
        )
        if generation is not UNSET:
            field_dict["generation"] = generation
        if position is not UNSET:
            field_dict["position"] = position
        if redirect_http_code is not UNSET:
            field_dict["redirect_http_code"] = redirect_http_code
        if redirect_pool is not UNSET:
            field_dict["redirect_pool"] = redirect_pool
        if redirect_prefix is not UNSET:
            field_dict["redirect_prefix"] = redirect_prefix
        if redirect_url is not UNSET:
            field_dict["redirect_url"] = redirect_url
        if rules is not UNSET:
            field_dict["rules"] = rules

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.l7_rule import L7Rule  # noqa: PLC0415

        d = dict(src_dict)
        action = L7Action(d.pop("action"))

        def _parse_generation(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        generation = _parse_generation(d.pop("generation", UNSET))

        def _parse_position(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        position = _parse_position(d.pop("position", UNSET))

        def _parse_redirect_http_code(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        redirect_http_code = _parse_redirect_http_code(d.pop("redirect_http_code", UNSET))

        def _parse_redirect_pool(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        redirect_pool = _parse_redirect_pool(d.pop("redirect_pool", UNSET))

        def _parse_redirect_prefix(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        redirect_prefix = _parse_redirect_prefix(d.pop("redirect_prefix", UNSET))

        def _parse_redirect_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        redirect_url = _parse_redirect_url(d.pop("redirect_url", UNSET))

        _rules = d.pop("rules", UNSET)
        rules: list[L7Rule] | Unset = UNSET
        if _rules is not UNSET:
            rules = []
            for rules_item_data in _rules:
                rules_item = L7Rule.from_dict(rules_item_data)

                rules.append(rules_item)

        l7_policy_update = cls(
            action=action,
            generation=generation,
            position=position,
            redirect_http_code=redirect_http_code,
            redirect_pool=redirect_pool,
            redirect_prefix=redirect_prefix,
            redirect_url=redirect_url,
            rules=rules,
        )

        return l7_policy_update
