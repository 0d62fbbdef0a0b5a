from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.l7_action import L7Action
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.l7_rule import L7Rule


T = TypeVar("T", bound="L7PolicyCreate")


@_attrs_define
class L7PolicyCreate:
    """
    Attributes:
        action (L7Action): What an L7 policy does when its rules match (Octavia's names).
        name (str):
        position (int | None | Unset): 1..=1000, lower first (default 1000: after the others).
        redirect_http_code (int | None | Unset): Redirects: 301, 302 (default), 303, 307 or 308.
        redirect_pool (None | str | Unset): REDIRECT_TO_POOL: a pool of the same load balancer, by id or name.
        redirect_prefix (None | str | Unset): REDIRECT_PREFIX: `http(s)://host[:port][/path]`; the request's path and
            query follow it.
        redirect_url (None | str | Unset): REDIRECT_TO_URL: an absolute http(s) URL.
        rules (list[L7Rule] | Unset): All must match; none: always (at most 16).
    """

    action: L7Action
    name: str
    position: int | None | Unset = UNSET
    redirect_http_code: int | None | Unset = UNSET
    redirect_pool: None | str | Unset = UNSET
    redirect_prefix: None | str | Unset = UNSET
    redirect_url: None | str | Unset = UNSET
    rules: list[L7Rule] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        action = self.action.value

        name = self.name

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
                "name": name,
            }
        )
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

        name = d.pop("name")

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

        l7_policy_create = cls(
            action=action,
            name=name,
            position=position,
            redirect_http_code=redirect_http_code,
            redirect_pool=redirect_pool,
            redirect_prefix=redirect_prefix,
            redirect_url=redirect_url,
            rules=rules,
        )

        return l7_policy_create
