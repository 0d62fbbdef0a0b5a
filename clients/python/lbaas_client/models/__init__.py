"""Contains all the data models used in inputs/outputs"""

from .action_create import ActionCreate
from .action_delete import ActionDelete
from .action_info import ActionInfo
from .action_update import ActionUpdate
from .algorithm import Algorithm
from .certificate import Certificate
from .certificate_create import CertificateCreate
from .certificate_create_reply import CertificateCreateReply
from .certificate_create_request import CertificateCreateRequest
from .certificate_delete_reply import CertificateDeleteReply
from .certificate_delete_request import CertificateDeleteRequest
from .certificate_info_reply import CertificateInfoReply
from .certificate_info_request import CertificateInfoRequest
from .certificate_update import CertificateUpdate
from .certificate_update_reply import CertificateUpdateReply
from .certificate_update_request import CertificateUpdateRequest
from .envelope_backend import EnvelopeBackend
from .envelope_backend_update import EnvelopeBackendUpdate
from .envelope_backend_view import EnvelopeBackendView
from .envelope_certificate_deleted import EnvelopeCertificateDeleted
from .envelope_certificate_key import EnvelopeCertificateKey
from .envelope_certificate_upload import EnvelopeCertificateUpload
from .envelope_criteria import EnvelopeCriteria
from .envelope_fail import EnvelopeFail
from .envelope_fail_info_type_0 import EnvelopeFailInfoType0
from .envelope_health_check import EnvelopeHealthCheck
from .envelope_health_check_view import EnvelopeHealthCheckView
from .envelope_instance import EnvelopeInstance
from .envelope_instance_create import EnvelopeInstanceCreate
from .envelope_instance_deleted import EnvelopeInstanceDeleted
from .envelope_instance_key import EnvelopeInstanceKey
from .envelope_instance_summary import EnvelopeInstanceSummary
from .envelope_instance_update import EnvelopeInstanceUpdate
from .envelope_project import EnvelopeProject
from .envelope_project_create import EnvelopeProjectCreate
from .envelope_project_create_instances_type_0_item import EnvelopeProjectCreateInstancesType0Item
from .envelope_project_deleted import EnvelopeProjectDeleted
from .envelope_project_info import EnvelopeProjectInfo
from .envelope_rule import EnvelopeRule
from .error_body import ErrorBody
from .error_code import ErrorCode
from .error_detail import ErrorDetail
from .event import Event
from .fail import Fail
from .failover_breaker import FailoverBreaker
from .fleet_node import FleetNode
from .health_monitor import HealthMonitor
from .hypervisor import Hypervisor
from .hypervisor_create import HypervisorCreate
from .hypervisor_state import HypervisorState
from .hypervisor_update import HypervisorUpdate
from .instance_create_reply import InstanceCreateReply
from .instance_create_request import InstanceCreateRequest
from .instance_delete_reply import InstanceDeleteReply
from .instance_delete_request import InstanceDeleteRequest
from .instance_info_reply import InstanceInfoReply
from .instance_info_request import InstanceInfoRequest
from .instance_update_reply import InstanceUpdateReply
from .instance_update_request import InstanceUpdateRequest
from .l7_action import L7Action
from .l7_compare_type import L7CompareType
from .l7_policy import L7Policy
from .l7_policy_create import L7PolicyCreate
from .l7_policy_update import L7PolicyUpdate
from .l7_rule import L7Rule
from .l7_rule_type import L7RuleType
from .listener import Listener
from .listener_create import ListenerCreate
from .listener_update import ListenerUpdate
from .load_balancer import LoadBalancer
from .load_balancer_create import LoadBalancerCreate
from .load_balancer_update import LoadBalancerUpdate
from .member import Member
from .member_create import MemberCreate
from .member_traffic import MemberTraffic
from .member_update import MemberUpdate
from .node import Node
from .node_status import NodeStatus
from .operating_status import OperatingStatus
from .page_certificate import PageCertificate
from .page_certificate_items_item import PageCertificateItemsItem
from .page_event import PageEvent
from .page_event_items_item import PageEventItemsItem
from .page_fleet_node import PageFleetNode
from .page_fleet_node_items_item import PageFleetNodeItemsItem
from .page_hypervisor import PageHypervisor
from .page_hypervisor_items_item import PageHypervisorItemsItem
from .page_l7_policy import PageL7Policy
from .page_l7_policy_items_item import PageL7PolicyItemsItem
from .page_listener import PageListener
from .page_listener_items_item import PageListenerItemsItem
from .page_load_balancer import PageLoadBalancer
from .page_load_balancer_items_item import PageLoadBalancerItemsItem
from .page_member import PageMember
from .page_member_items_item import PageMemberItemsItem
from .page_node import PageNode
from .page_node_items_item import PageNodeItemsItem
from .page_pool import PagePool
from .page_pool_items_item import PagePoolItemsItem
from .page_project import PageProject
from .page_project_items_item import PageProjectItemsItem
from .page_subnet import PageSubnet
from .page_subnet_items_item import PageSubnetItemsItem
from .page_tenant import PageTenant
from .page_tenant_items_item import PageTenantItemsItem
from .page_token import PageToken
from .page_token_items_item import PageTokenItemsItem
from .pool import Pool
from .pool_create import PoolCreate
from .pool_update import PoolUpdate
from .project import Project
from .project_create import ProjectCreate
from .project_create_reply import ProjectCreateReply
from .project_create_request import ProjectCreateRequest
from .project_delete_reply import ProjectDeleteReply
from .project_delete_request import ProjectDeleteRequest
from .project_info_reply import ProjectInfoReply
from .project_info_request import ProjectInfoRequest
from .project_update import ProjectUpdate
from .project_update_reply import ProjectUpdateReply
from .project_update_request import ProjectUpdateRequest
from .protocol import Protocol
from .provisioning_status import ProvisioningStatus
from .quotas import Quotas
from .quotas_update import QuotasUpdate
from .spare_node import SpareNode
from .subnet import Subnet
from .subnet_create import SubnetCreate
from .subnet_update import SubnetUpdate
from .successful import Successful
from .tenant import Tenant
from .tenant_create import TenantCreate
from .tenant_created import TenantCreated
from .tenant_update import TenantUpdate
from .token import Token
from .token_create import TokenCreate
from .token_created import TokenCreated
from .type_certificate import TypeCertificate
from .type_instance import TypeInstance
from .type_project import TypeProject
from .utilization import Utilization

__all__ = (
    "ActionCreate",
    "ActionDelete",
    "ActionInfo",
    "ActionUpdate",
    "Algorithm",
    "Certificate",
    "CertificateCreate",
    "CertificateCreateReply",
    "CertificateCreateRequest",
    "CertificateDeleteReply",
    "CertificateDeleteRequest",
    "CertificateInfoReply",
    "CertificateInfoRequest",
    "CertificateUpdate",
    "CertificateUpdateReply",
    "CertificateUpdateRequest",
    "EnvelopeBackend",
    "EnvelopeBackendUpdate",
    "EnvelopeBackendView",
    "EnvelopeCertificateDeleted",
    "EnvelopeCertificateKey",
    "EnvelopeCertificateUpload",
    "EnvelopeCriteria",
    "EnvelopeFail",
    "EnvelopeFailInfoType0",
    "EnvelopeHealthCheck",
    "EnvelopeHealthCheckView",
    "EnvelopeInstance",
    "EnvelopeInstanceCreate",
    "EnvelopeInstanceDeleted",
    "EnvelopeInstanceKey",
    "EnvelopeInstanceSummary",
    "EnvelopeInstanceUpdate",
    "EnvelopeProject",
    "EnvelopeProjectCreate",
    "EnvelopeProjectCreateInstancesType0Item",
    "EnvelopeProjectDeleted",
    "EnvelopeProjectInfo",
    "EnvelopeRule",
    "ErrorBody",
    "ErrorCode",
    "ErrorDetail",
    "Event",
    "Fail",
    "FailoverBreaker",
    "FleetNode",
    "HealthMonitor",
    "Hypervisor",
    "HypervisorCreate",
    "HypervisorState",
    "HypervisorUpdate",
    "InstanceCreateReply",
    "InstanceCreateRequest",
    "InstanceDeleteReply",
    "InstanceDeleteRequest",
    "InstanceInfoReply",
    "InstanceInfoRequest",
    "InstanceUpdateReply",
    "InstanceUpdateRequest",
    "L7Action",
    "L7CompareType",
    "L7Policy",
    "L7PolicyCreate",
    "L7PolicyUpdate",
    "L7Rule",
    "L7RuleType",
    "Listener",
    "ListenerCreate",
    "ListenerUpdate",
    "LoadBalancer",
    "LoadBalancerCreate",
    "LoadBalancerUpdate",
    "Member",
    "MemberCreate",
    "MemberTraffic",
    "MemberUpdate",
    "Node",
    "NodeStatus",
    "OperatingStatus",
    "PageCertificate",
    "PageCertificateItemsItem",
    "PageEvent",
    "PageEventItemsItem",
    "PageFleetNode",
    "PageFleetNodeItemsItem",
    "PageHypervisor",
    "PageHypervisorItemsItem",
    "PageL7Policy",
    "PageL7PolicyItemsItem",
    "PageListener",
    "PageListenerItemsItem",
    "PageLoadBalancer",
    "PageLoadBalancerItemsItem",
    "PageMember",
    "PageMemberItemsItem",
    "PageNode",
    "PageNodeItemsItem",
    "PagePool",
    "PagePoolItemsItem",
    "PageProject",
    "PageProjectItemsItem",
    "PageSubnet",
    "PageSubnetItemsItem",
    "PageTenant",
    "PageTenantItemsItem",
    "PageToken",
    "PageTokenItemsItem",
    "Pool",
    "PoolCreate",
    "PoolUpdate",
    "Project",
    "ProjectCreate",
    "ProjectCreateReply",
    "ProjectCreateRequest",
    "ProjectDeleteReply",
    "ProjectDeleteRequest",
    "ProjectInfoReply",
    "ProjectInfoRequest",
    "ProjectUpdate",
    "ProjectUpdateReply",
    "ProjectUpdateRequest",
    "Protocol",
    "ProvisioningStatus",
    "Quotas",
    "QuotasUpdate",
    "SpareNode",
    "Subnet",
    "SubnetCreate",
    "SubnetUpdate",
    "Successful",
    "Tenant",
    "TenantCreate",
    "TenantCreated",
    "TenantUpdate",
    "Token",
    "TokenCreate",
    "TokenCreated",
    "TypeCertificate",
    "TypeInstance",
    "TypeProject",
    "Utilization",
)
