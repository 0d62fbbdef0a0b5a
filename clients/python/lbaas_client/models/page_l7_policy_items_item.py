from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.l7_action import L7Action
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.l7_rule import L7Rule


T = TypeVar("T", bound="PageL7PolicyItemsItem")


@_attrs_define
class PageL7PolicyItemsItem:
    """An ordered routing decision on an HTTP/HTTPS listener: the first policy (by `position`, then
    age) whose rules all match acts; no match forwards to the listener's default pool.

        Attributes:
            action (L7Action): What an L7 policy does when its rules match (Octavia's names).
            created_at (datetime.datetime):
            generation (int):
            id (UUID):
            listener_id (UUID):
            name (str):
            position (int):
            rules (list[L7Rule]):
            tenant_id (UUID):
            updated_at (datetime.datetime):
            redirect_http_code (int | None | Unset): Redirects: 301, 302, 303, 307 or 308. REJECT: unused (403).
            redirect_pool_id (None | Unset | UUID):
            redirect_prefix (None | str | Unset):
            redirect_url (None | str | Unset):
    """

    action: L7Action
    created_at: datetime.datetime
    generation: int
    id: UUID
    listener_id: UUID
    name: str
    position: int
    rules: list[L7Rule]
    tenant_id: UUID
    updated_at: datetime.datetime
    redirect_http_code: int | None | Unset = UNSET
    redirect_pool_id: None | Unset | UUID = UNSET
    redirect_prefix: None | str | Unset = UNSET
    redirect_url: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        action = self.action.value

        created_at = self.created_at.isoformat()

        generation = self.generation

        id = str(self.id)

        listener_id = str(self.listener_id)

        name = self.name

        position = self.position

        rules = []
        for rules_item_data in self.rules:
            rules_item = rules_item_data.to_dict()
            rules.append(rules_item)

        tenant_id = str(self.tenant_id)

        updated_at = self.updated_at.isoformat()

        redirect_http_code: int | None | Unset
        if isinstance(self.redirect_http_code, Unset):
            redirect_http_code = UNSET
        else:
            redirect_http_code = self.redirect_http_code

        redirect_pool_id: None | str | Unset
        if isinstance(self.redirect_pool_id, Unset):
            redirect_pool_id = UNSET
        elif isinstance(self.redirect_pool_id, UUID):
            redirect_pool_id = str(self.redirect_pool_id)
        else:
            redirect_pool_id = self.redirect_pool_id

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

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "created_at": created_at,
                "generation": generation,
                "id": id,
                "listener_id": listener_id,
                "name": name,
                "position": position,
                "rules": rules,
                "tenant_id": tenant_id,
                "updated_at": updated_at,
            }
        )
        if redirect_http_code is not UNSET:
            field_dict["redirect_http_code"] = redirect_http_code
        if redirect_pool_id is not UNSET:
            field_dict["redirect_pool_id"] = redirect_pool_id
        if redirect_prefix is not UNSET:
            field_dict["redirect_prefix"] = redirect_prefix
        if redirect_url is not UNSET:
            field_dict["redirect_url"] = redirect_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.l7_rule import L7Rule  # noqa: PLC0415

        d = dict(src_dict)
        action = L7Action(d.pop("action"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        generation = d.pop("generation")

        id = UUID(d.pop("id"))

        listener_id = UUID(d.pop("listener_id"))

        name = d.pop("name")

        position = d.pop("position")

        rules = []
        _rules = d.pop("rules")
        for rules_item_data in _rules:
            rules_item = L7Rule.from_dict(rules_item_data)

            rules.append(rules_item)

        tenant_id = UUID(d.pop("tenant_id"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_redirect_http_code(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        redirect_http_code = _parse_redirect_http_code(d.pop("redirect_http_code", UNSET))

        def _parse_redirect_pool_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                redirect_pool_id_type_1 = UUID(data)

                return redirect_pool_id_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        redirect_pool_id = _parse_redirect_pool_id(d.pop("redirect_pool_id", UNSET))

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

        page_l7_policy_items_item = cls(
            action=action,
            created_at=created_at,
            generation=generation,
            id=id,
            listener_id=listener_id,
            name=name,
            position=position,
            rules=rules,
            tenant_id=tenant_id,
            updated_at=updated_at,
            redirect_http_code=redirect_http_code,
            redirect_pool_id=redirect_pool_id,
            redirect_prefix=redirect_prefix,
            redirect_url=redirect_url,
        )

        page_l7_policy_items_item.additional_properties = d
        return page_l7_policy_items_item

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
