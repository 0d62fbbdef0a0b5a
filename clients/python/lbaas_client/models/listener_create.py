from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..models.protocol import Protocol
from ..types import UNSET, Unset

T = TypeVar("T", bound="ListenerCreate")


@_attrs_define
class ListenerCreate:
    """
    Attributes:
        name (str):
        port (int):
        protocol (Protocol): A listener's protocol (HTTPS: TLS terminated by the nodes), a pool's protocol (HTTP or
            TCP: what its members speak) or a health monitor's (HTTPS: the probe speaks TLS, without
            verifying the member's certificate, as Octavia's HTTPS monitor does).
        cache (bool | Unset): HTTP/HTTPS: cache GET responses that HTTP caching rules allow (default off).
        certificates (list[str] | Unset): HTTPS (required there): certificates of the same project, by id or name; the
            first is
            the default, served when the client's SNI names none of them.
        default_pool_id (None | Unset | UUID):
        redirect_https_port (int | None | Unset): HTTP: redirect every request to `https://<host>[:port]<path>` (301 for
            GET/HEAD, else 308)
            instead of forwarding it.
    """

    name: str
    port: int
    protocol: Protocol
    cache: bool | Unset = UNSET
    certificates: list[str] | Unset = UNSET
    default_pool_id: None | Unset | UUID = UNSET
    redirect_https_port: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        port = self.port

        protocol = self.protocol.value

        cache = self.cache

        certificates: list[str] | Unset = UNSET
        if not isinstance(self.certificates, Unset):
            certificates = self.certificates

        default_pool_id: None | str | Unset
        if isinstance(self.default_pool_id, Unset):
            default_pool_id = UNSET
        elif isinstance(self.default_pool_id, UUID):
            default_pool_id = str(self.default_pool_id)
        else:
            default_pool_id = self.default_pool_id

        redirect_https_port: int | None | Unset
        if isinstance(self.redirect_https_port, Unset):
            redirect_https_port = UNSET
        else:
            redirect_https_port = self.redirect_https_port

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "port": port,
                "protocol": protocol,
            }
        )
        if cache is not UNSET:
            field_dict["cache"] = cache
        if certificates is not UNSET:
            field_dict["certificates"] = certificates
        if default_pool_id is not UNSET:
            field_dict["default_pool_id"] = default_pool_id
        if redirect_https_port is not UNSET:
            field_dict["redirect_https_port"] = redirect_https_port

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        port = d.pop("port")

        protocol = Protocol(d.pop("protocol"))

        cache = d.pop("cache", UNSET)

        certificates = cast(list[str], d.pop("certificates", UNSET))

        def _parse_default_pool_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                default_pool_id_type_1 = UUID(data)

                return default_pool_id_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        default_pool_id = _parse_default_pool_id(d.pop("default_pool_id", UNSET))

        def _parse_redirect_https_port(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        redirect_https_port = _parse_redirect_https_port(d.pop("redirect_https_port", UNSET))

        listener_create = cls(
            name=name,
            port=port,
            protocol=protocol,
            cache=cache,
            certificates=certificates,
            default_pool_id=default_pool_id,
            redirect_https_port=redirect_https_port,
        )

        return listener_create
