from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.algorithm import Algorithm
from ..models.operating_status import OperatingStatus
from ..models.provisioning_status import ProvisioningStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.envelope_backend_view import EnvelopeBackendView
    from ..models.member import Member
    from ..models.node import Node


T = TypeVar("T", bound="EnvelopeInstance")


@_attrs_define
class EnvelopeInstance:
    """An instance as the envelope shows it: the seed's fields, plus what the control plane knows.

    Attributes:
        backend (EnvelopeBackendView):
        dns_name (str):
        id (UUID):
        members (list[Member]):
        name (str):
        nodes (list[Node]):
        operating_status (OperatingStatus): What the health checks observe (Octavia's `operating_status`).
        project (str):
        provisioning_status (ProvisioningStatus): Where the control plane is with a resource (Octavia's
            `provisioning_status`).
        status_reason (str):
        subnet (str):
        url (str):
        vips (list[str]):
        algorithm (Algorithm | None | Unset):
        port (int | None | Unset):
        traffic_type (None | str | Unset): `http` or `tcp`; absent while the instance has no listener.
    """

    backend: EnvelopeBackendView
    dns_name: str
    id: UUID
    members: list[Member]
    name: str
    nodes: list[Node]
    operating_status: OperatingStatus
    project: str
    provisioning_status: ProvisioningStatus
    status_reason: str
    subnet: str
    url: str
    vips: list[str]
    algorithm: Algorithm | None | Unset = UNSET
    port: int | None | Unset = UNSET
    traffic_type: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        backend = self.backend.to_dict()

        dns_name = self.dns_name

        id = str(self.id)

        members = []
        for members_item_data in self.members:
            members_item = members_item_data.to_dict()
            members.append(members_item)

        name = self.name

        nodes = []
        for nodes_item_data in self.nodes:
            nodes_item = nodes_item_data.to_dict()
            nodes.append(nodes_item)

        operating_status = self.operating_status.value

        project = self.project

        provisioning_status = self.provisioning_status.value

        status_reason = self.status_reason

        subnet = self.subnet

        url = self.url

        vips = self.vips

        algorithm: None | str | Unset
        if isinstance(self.algorithm, Unset):
            algorithm = UNSET
        elif isinstance(self.algorithm, Algorithm):
            algorithm = self.algorithm.value
        else:
            algorithm = self.algorithm

        port: int | None | Unset
        if isinstance(self.port, Unset):
            port = UNSET
        else:
            port = self.port

        traffic_type: None | str | Unset
        if isinstance(self.traffic_type, Unset):
            traffic_type = UNSET
        else:
            traffic_type = self.traffic_type

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "backend": backend,
                "dns_name": dns_name,
                "id": id,
                "members": members,
                "name": name,
                "nodes": nodes,
                "operating_status": operating_status,
                "project": project,
                "provisioning_status": provisioning_status,
                "status_reason": status_reason,
                "subnet": subnet,
                "url": url,
                "vips": vips,
            }
        )
        if algorithm is not UNSET:
            field_dict["algorithm"] = algorithm
        if port is not UNSET:
            field_dict["port"] = port
        if traffic_type is not UNSET:
            field_dict["traffic_type"] = traffic_type

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.envelope_backend_view import EnvelopeBackendView  # noqa: PLC0415
        from ..models.member import Member  # noqa: PLC0415
        from ..models.node import Node  # noqa: PLC0415

        d = dict(src_dict)
        backend = EnvelopeBackendView.from_dict(d.pop("backend"))

        dns_name = d.pop("dns_name")

        id = UUID(d.pop("id"))

        members = []
        _members = d.pop("members")
        for members_item_data in _members:
            members_item = Member.from_dict(members_item_data)

            members.append(members_item)

        name = d.pop("name")

        nodes = []
        _nodes = d.pop("nodes")
        for nodes_item_data in _nodes:
            nodes_item = Node.from_dict(nodes_item_data)

            nodes.append(nodes_item)

        operating_status = OperatingStatus(d.pop("operating_status"))

        project = d.pop("project")

        provisioning_status = ProvisioningStatus(d.pop("provisioning_status"))

        status_reason = d.pop("status_reason")

        subnet = d.pop("subnet")

        url = d.pop("url")

        vips = cast(list[str], d.pop("vips"))

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

        def _parse_port(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        port = _parse_port(d.pop("port", UNSET))

        def _parse_traffic_type(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        traffic_type = _parse_traffic_type(d.pop("traffic_type", UNSET))

        envelope_instance = cls(
            backend=backend,
            dns_name=dns_name,
            id=id,
            members=members,
            name=name,
            nodes=nodes,
            operating_status=operating_status,
            project=project,
            provisioning_status=provisioning_status,
            status_reason=status_reason,
            subnet=subnet,
            url=url,
            vips=vips,
            algorithm=algorithm,
            port=port,
            traffic_type=traffic_type,
        )

        envelope_instance.additional_properties = d
        return envelope_instance

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
