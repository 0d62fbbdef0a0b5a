from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="EnvelopeRule")


@_attrs_define
class EnvelopeRule:
    """One routing rule: when the request's host equals `host` and its path starts with
    `path_prefix` (those given; neither: every request), send it to its own `entities`, redirect
    it to `redirect` (a URL prefix the path follows) or refuse it (`reject`, 403): exactly one.

        Attributes:
            entities (list[str] | None | Unset):
            host (None | str | Unset):
            path_prefix (None | str | Unset):
            redirect (None | str | Unset):
            redirect_code (int | None | Unset): 301, 302 (default), 303, 307 or 308.
            reject (bool | None | Unset):
    """

    entities: list[str] | None | Unset = UNSET
    host: None | str | Unset = UNSET
    path_prefix: None | str | Unset = UNSET
    redirect: None | str | Unset = UNSET
    redirect_code: int | None | Unset = UNSET
    reject: bool | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        entities: list[str] | None | Unset
        if isinstance(self.entities, Unset):
            entities = UNSET
        elif isinstance(self.entities, list):
            entities = self.entities

        else:
            entities = self.entities

        host: None | str | Unset
        if isinstance(self.host, Unset):
            host = UNSET
        else:
            host = self.host

        path_prefix: None | str | Unset
        if isinstance(self.path_prefix, Unset):
            path_prefix = UNSET
        else:
            path_prefix = self.path_prefix

        redirect: None | str | Unset
        if isinstance(self.redirect, Unset):
            redirect = UNSET
        else:
            redirect = self.redirect

        redirect_code: int | None | Unset
        if isinstance(self.redirect_code, Unset):
            redirect_code = UNSET
        else:
            redirect_code = self.redirect_code

        reject: bool | None | Unset
        if isinstance(self.reject, Unset):
            reject = UNSET
        else:
            reject = self.reject

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if entities is not UNSET:
            field_dict["entities"] = entities
        if host is not UNSET:
            field_dict["host"] = host
        if path_prefix is not UNSET:
            field_dict["path_prefix"] = path_prefix
        if redirect is not UNSET:
            field_dict["redirect"] = redirect
        if redirect_code is not UNSET:
            field_dict["redirect-code"] = redirect_code
        if reject is not UNSET:
            field_dict["reject"] = reject

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_entities(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                entities_type_0 = cast(list[str], data)

                return entities_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        entities = _parse_entities(d.pop("entities", UNSET))

        def _parse_host(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        host = _parse_host(d.pop("host", UNSET))

        def _parse_path_prefix(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        path_prefix = _parse_path_prefix(d.pop("path_prefix", UNSET))

        def _parse_redirect(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        redirect = _parse_redirect(d.pop("redirect", UNSET))

        def _parse_redirect_code(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        redirect_code = _parse_redirect_code(d.pop("redirect-code", UNSET))

        def _parse_reject(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        reject = _parse_reject(d.pop("reject", UNSET))

        envelope_rule = cls(
            entities=entities,
            host=host,
            path_prefix=path_prefix,
            redirect=redirect,
            redirect_code=redirect_code,
            reject=reject,
        )

        return envelope_rule
