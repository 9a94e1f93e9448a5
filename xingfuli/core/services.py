"""Writes of core: API tokens, roles, people."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xingfuli.core import audit
from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import ApiToken, Community, Role, RoleAssignment, Street, User
from xingfuli.core.permissions import Capability, has_capability
from xingfuli.core.scoping import forget_scope


@transaction.atomic
def api_token_create(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for the actor; the key is returned once and never stored."""
    name = name.strip()
    if not name:
        raise DomainError(ErrorCode.INVALID, _("Give the token a name."), field="name")
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=actor, name=name[:100], prefix=key[4:12], digest=ApiToken.digest_of(key)
    )
    audit.record("core.api_token.created", actor=actor, target=token)
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update(of=("self",)).filter(pk=token_id, user=actor).first()
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record("core.api_token.revoked", actor=actor, target=token)
    return token


@transaction.atomic
def role_assign(
    *,
    actor: User | None,
    user: User,
    role: Role,
    community: Community | None = None,
    street: Street | None = None,
    scope_id: int | None = None,
) -> RoleAssignment:
    """Give `user` a role with its scope. Modules check their own rules (a grid leader must be
    a party member) before calling this."""
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, community=community, street=street, scope_id=scope_id
    )
    if created:
        audit.record(
            "core.role.assigned", actor=actor, target=assignment,
            community_id=community.pk if community else None, role=str(role), user=user.pk,
        )
    forget_scope(user)
    return assignment


@transaction.atomic
def role_revoke(*, actor: User | None, assignment: RoleAssignment) -> None:
    audit.record(
        "core.role.revoked", actor=actor, target=assignment,
        community_id=assignment.community_id, role=assignment.role, user=assignment.user_id,
    )
    assignment.delete()


@transaction.atomic
def user_create(
    *,
    actor: User,
    name: str,
    mobile: str,
    is_party_member: bool = False,
    community_id: int | None = None,
) -> User:
    """Create a person who may then be given a role (a new grid worker, say).

    Only grid managers (community staff and admins: MANAGE_GRID) create people here, in
    `community_id` when it is given (the audit entry is then filed under that community).
    The person gets no usable password: they set one through the admin site or a reset flow.
    """
    # The mobile rule lives with the registry's personal numbers (one rule for everyone).
    from xingfuli.registry.personal import normalize_mobile

    if not has_capability(actor, Capability.MANAGE_GRID, community_id=community_id):
        raise Forbidden()
    name = (name or "").strip()
    if not name:
        raise DomainError(ErrorCode.INVALID, _("Enter the person's name."), field="name")
    if len(name) > 50:
        raise DomainError(ErrorCode.INVALID, _("A name has at most 50 characters."), field="name")
    number = normalize_mobile(mobile, field="mobile")
    duplicate = DomainError(
        ErrorCode.DUPLICATE,
        _("Someone already has this mobile number: find them in the search instead."),
        field="mobile",
    )
    if User.objects.filter(mobile=number).exists():
        raise duplicate
    user = User(mobile=number, name=name, is_party_member=is_party_member)
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Someone registered the same number at the same moment.
        raise duplicate from None
    audit.record(
        "core.user.created", actor=actor, target=user, community_id=community_id,
        is_party_member=is_party_member,
    )
    return user
