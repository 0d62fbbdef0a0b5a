from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.algorithm import Algorithm
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.envelope_backend import EnvelopeBackend


T = TypeVar("T", bound="EnvelopeInstanceCreate")


@_attrs_define
class EnvelopeInstanceCreate:
    """`create instance`: the seed's instance.

    Attributes:
        backend (EnvelopeBackend):
        name (str):
        project (str):
        subnet (str): The project subnet (CIDR) the backends live in; made if the project has none such.
        traffic_type (str): `http`, `https` or `tcp` (either case).
        algorithm (Algorithm | None | Unset):
        certificates (list[str] | None | Unset): https: names of the project's certificates (`create certificate`); the
            first is the
            default, the others are chosen by the client's SNI.
        description (None | str | Unset):
        port (int | None | Unset): Listener port; 80 for http, 443 for https, the first backend's port for tcp.
        redirect_http (bool | None | Unset): https: also listen on port 80 and redirect every request there to HTTPS.
    """

    backend: EnvelopeBackend
    name: str
    project: str
    subnet: str
    traffic_type: str
    algorithm: Algorithm | None | Unset = UNSET
    certificates: list[str] | None | Unset = UNSET
    description: None | str | Unset = UNSET
    port: int | None | Unset = UNSET
    redirect_http: bool | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        backend = self.backend.to_dict()

        name = self.name

        project = self.project

        subnet = self.subnet

        traffic_type = self.traffic_type

        algorithm: None | str | Unset
        if isinstance(self.algorithm, Unset):
            algorithm = UNSET
        elif isinstance(self.algorithm, Algorithm):
            algorithm = self.algorithm.value
        else:
            algorithm = self.algorithm

        certificates: list[str] | None | Unset
        if isinstance(self.certificates, Unset):
            certificates = UNSET
        elif isinstance(self.certificates, list):
            certificates = self.certificates

        else:
            certificates = self.certificates

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        port: int | None | Unset
        if isinstance(self.port, Unset):
            port = UNSET
        else:
            port = self.port

        redirect_http: bool | None | Unset
        if isinstance(self.redirect_http, Unset):
            redirect_http = UNSET
        else:
            redirect_http = self.redirect_http

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "backend": backend,
                "name": name,
                "project": project,
                "subnet": subnet,
                "traffic_type": traffic_type,
            }
        )
        if algorithm is not UNSET:
            field_dict["algorithm"] = algorithm
        if certificates is not UNSET:
            field_dict["certificates"] = certificates
        if description is not UNSET:
            field_dict["description"] = description
        if port is not UNSET:
            field_dict["port"] = port
        if redirect_http is not UNSET:
            field_dict["redirect_http"] = redirect_http

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.envelope_backend import EnvelopeBackend  # noqa: PLC0415

        d = dict(src_dict)
        backend = EnvelopeBackend.from_dict(d.pop("backend"))

        name = d.pop("name")

        project = d.pop("project")

        subnet = d.pop("subnet")

        traffic_type = d.pop("traffic_type")

        def _parse_algorithm(data: object) -> Algorithm | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                algorithm_type_1 = Algorithm(data)

                return algorithm_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Algorithm | None | Unset, data)

        algorithm = _parse_algorithm(d.pop("algorithm", UNSET))

        def _parse_certificates(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                certificates_type_0 = cast(list[str], data)

                return certificates_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        certificates = _parse_certificates(d.pop("certificates", UNSET))

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_port(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        port = _parse_port(d.pop("port", UNSET))

        def _parse_redirect_http(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        redirect_http = _parse_redirect_http(d.pop("redirect_http", UNSET))

        envelope_instance_create = cls(
            backend=backend,
            name=name,
            project=project,
            subnet=subnet,
            traffic_type=traffic_type,
            algorithm=algorithm,
            certificates=certificates,
            description=description,
            port=port,
            redirect_http=redirect_http,
        )

        return envelope_instance_create
