"""Names for the generated models the facade returns, whichever the flavor (for type annotations).

Each is the union of the Server/DC and the Cloud model (`jsm_server.models.X | jsm_cloud.models.X`); at runtime they
are `Any`, so importing this module costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    import jsm_cloud.models as cloud
    import jsm_server.models as server

    User: TypeAlias = server.UserDTO | cloud.UserDTO
    Organization: TypeAlias = server.OrganizationDTO | cloud.OrganizationDTO
    ServiceDesk: TypeAlias = server.ServiceDeskDTO | cloud.ServiceDeskDTO
    RequestType: TypeAlias = server.RequestTypeDTO | cloud.RequestTypeDTO
    RequestTypeGroup: TypeAlias = server.RequestTypeGroupDTO | cloud.RequestTypeGroupDTO
    RequestTypeFields: TypeAlias = server.CustomerRequestCreateMetaDTO | cloud.CustomerRequestCreateMetaDTO
    CustomerRequest: TypeAlias = server.CustomerRequestDTO | cloud.CustomerRequestDTO
    RequestStatus: TypeAlias = server.CustomerRequestStatusDTO | cloud.CustomerRequestStatusDTO
    Transition: TypeAlias = server.CustomerTransitionDTO | cloud.CustomerTransitionDTO
    Comment: TypeAlias = server.CommentDTO | cloud.CommentDTO
    Approval: TypeAlias = server.ApprovalDTO | cloud.ApprovalDTO
    Sla: TypeAlias = server.SlaInformationDTO | cloud.SlaInformationDTO
    Attachment: TypeAlias = server.AttachmentDTO | cloud.AttachmentDTO
    AttachmentResult: TypeAlias = server.AttachmentCreateResultDTO | cloud.AttachmentCreateResultDTO
    TemporaryAttachments: TypeAlias = (
        server.CreateTemporaryWebAttachmentResult | cloud.CreateTemporaryWebAttachmentResult
    )
    Queue: TypeAlias = server.QueueDTO | cloud.QueueDTO
    Article: TypeAlias = cloud.ArticleDTO
    Info: TypeAlias = server.SoftwareInfoDTO | cloud.SoftwareInfoDTO
    QueueIssue: TypeAlias = Any
    """Server/DC and Cloud describe queue issues with unrelated models."""
else:
    User = Organization = ServiceDesk = RequestType = RequestTypeGroup = RequestTypeFields = Any
    CustomerRequest = RequestStatus = Transition = Comment = Approval = Sla = Attachment = Any
    AttachmentResult = TemporaryAttachments = Queue = Article = Info = QueueIssue = Any

__all__ = [
    "Approval",
    "Article",
    "Attachment",
    "AttachmentResult",
    "Comment",
    "CustomerRequest",
    "Info",
    "Organization",
    "Queue",
    "QueueIssue",
    "RequestStatus",
    "RequestType",
    "RequestTypeFields",
    "RequestTypeGroup",
    "ServiceDesk",
    "Sla",
    "TemporaryAttachments",
    "Transition",
    "User",
]
