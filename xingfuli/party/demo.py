"""The demo's 党建+网格: the community party committee of 万泉街 with a branch on each of its 8
grids (the grid leader its secretary), party members among the residents tagged 党员 and every
grid leader, twelve in-service members (双报到; two waiting for review), and this year's small
wishes in every state, the confirmed ones credited in the station's hours ledger.

Rows are bulk-created (the services would do the same one row at a time)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import Max

from xingfuli.core.models import Role, RoleAssignment, User
from xingfuli.demo import people
from xingfuli.demo.base import REFERENCE_DATE, STAFF_MOBILE, DemoWorld, demo_part
from xingfuli.party.models import PartyMember, PartyOrganisation, Wish
from xingfuli.party.services import wish_ref
from xingfuli.registry.models import Resident, Tag
from xingfuli.registry.personal import mask_mobile
from xingfuli.volunteers.models import ServiceRecord, Volunteer

IN_SERVICE_MOBILE = "13800000121"
IN_SERVICE = 12
EMPLOYERS = ("巴南区税务局", "重庆某中学", "区人民医院", "莲花街道卫生服务中心", "区住建委",
             "某国有银行支行", "区图书馆", "区市场监管局")
SKILLS = ("填表代办", "量血压", "维修", "法律咨询", "陪伴聊天", "理发", "电脑手机教学", "驾驶")
WISHES = ("一根结实的拐杖", "帮忙填写高龄补贴申请表", "陪我去医院复查", "换一个楼道灯泡",
          "教我用手机视频通话", "送一袋米面油上楼", "修好家里的收音机", "上门理个发",
          "陪我聊聊天", "帮忙取药", "一副老花镜", "把冬天的被子晒一晒")
# this year's wishes by state (40 in all)
STATES = ((Wish.Status.CONFIRMED, 20), (Wish.Status.FULFILLED, 5), (Wish.Status.CLAIMED, 5),
          (Wish.Status.OPEN, 8), (Wish.Status.CANCELLED, 2))


def build_party(world: DemoWorld) -> None:
    rng = world.rng("party")
    community, now, today = world.community, world.now, world.today
    cid = community.pk
    grids = world.grids_of(community)
    leaders = dict(RoleAssignment.objects.filter(
        community=community, role=Role.GRID_LEADER).values_list("scope_id", "user_id"))
    committee = PartyOrganisation.objects.create(
        community=community, kind=PartyOrganisation.Kind.COMMITTEE, name="万泉街社区党委",
        created_at=now)
    branches = [PartyOrganisation(community=community, parent=committee, name=f"{g.name}党支部",
                                  secretary_id=leaders.get(g.pk), created_at=now)
                for g in grids]
    PartyOrganisation.objects.bulk_create(branches)
    PartyOrganisation.grids.through.objects.bulk_create(
        PartyOrganisation.grids.through(partyorganisation_id=b.pk, grid_id=g.pk)
        for b, g in zip(branches, grids, strict=True))
    branch_of_grid = {g.pk: b for b, g in zip(branches, grids, strict=True)}

    # Resident members: every resident tagged 党员, in the branch of their grid.
    grid_of_resident = {m: h.grid_id for h in world.households if h.community_id == cid
                        for m in h.members}
    tagged = list(Resident.objects.filter(
        pk__in=list(grid_of_resident), tags__code=Tag.Code.PARTY_MEMBER,
        status=Resident.Status.ACTIVE).values_list("pk", "name", "user_id", "mobile_masked"))
    members = [PartyMember(community=community, branch=branch_of_grid[grid_of_resident[pk]],
                           kind=PartyMember.Kind.RESIDENT, status=PartyMember.Status.APPROVED,
                           name=name, user_id=user_id, resident_id=pk, mobile_masked=masked,
                           shows_identity=rng.random() < 0.4, registered_at=now,
                           reviewed_at=now)
               for pk, name, user_id, masked in tagged]
    # Every grid leader is one of them (the staff part made them party members in core).
    taken = {m.user_id for m in members if m.user_id}
    for grid_id, user_id in leaders.items():
        if user_id in taken or grid_id not in branch_of_grid:
            continue
        leader = User.objects.get(pk=user_id)
        members.append(PartyMember(
            community=community, branch=branch_of_grid[grid_id], kind=PartyMember.Kind.RESIDENT,
            status=PartyMember.Status.APPROVED, name=leader.name, user_id=user_id,
            mobile_masked=mask_mobile(leader.mobile), shows_identity=True, registered_at=now,
            consent_at=now, reviewed_at=now))
    for m in members:
        if m.shows_identity:
            m.consent_at = now

    # In-service members (双报到): the demo login first; the last two wait for review.
    users = []
    for i in range(IN_SERVICE):
        mobile = IN_SERVICE_MOBILE if i == 0 else world.next_staff_mobile()
        world.mobiles.add(mobile)
        sex = rng.choice("MF")
        birth = people.birth_date(rng, age=rng.randint(28, 55), reference=REFERENCE_DATE)
        users.append(User(mobile=mobile, name=people.person_name(rng, sex=sex, birth=birth),
                          password=world.password_hash, date_joined=now, is_party_member=True))
    User.objects.bulk_create(users)
    in_service = [PartyMember(
        community=community, branch=branches[i % len(branches)], kind=PartyMember.Kind.IN_SERVICE,
        status=PartyMember.Status.PENDING if i >= IN_SERVICE - 2 else PartyMember.Status.APPROVED,
        name=u.name, user=u, employer=EMPLOYERS[i % len(EMPLOYERS)],
        skills=rng.sample(SKILLS, 2), availability=rng.choice(("周末", "工作日晚上", "周六上午")),
        mobile_masked=mask_mobile(u.mobile), shows_identity=i % 3 != 2,
        consent_at=now if i % 3 != 2 else None,
        registered_at=now - dt.timedelta(days=rng.randint(20, 300)),
        reviewed_at=None if i >= IN_SERVICE - 2 else now,
    ) for i, u in enumerate(users)]
    PartyMember.objects.bulk_create(members + in_service)

    # The approved in-service members serve through the station: they are its volunteers.
    helpers = users[: IN_SERVICE - 2]
    last = Volunteer.objects.filter(community=community).aggregate(m=Max("id"))["m"] or 0
    code = community.code[-6:]
    volunteers = [Volunteer(community=community, number=f"{code}{last + 1 + i:05d}", name=u.name,
                            user=u, mobile_masked=mask_mobile(u.mobile), is_party_member=True,
                            skills=in_service[i].skills, joined_on=today)
                  for i, u in enumerate(helpers)]
    Volunteer.objects.bulk_create(volunteers)

    # This year's wishes, for residents in key groups, in every state.
    staff = User.objects.get(mobile=STAFF_MOBILE)
    key_people = [(h.members[0], h.grid_id) for h in world.households
                  if h.community_id == cid and h.key_group and h.members]
    start = dt.datetime(today.year, 1, 5, 9, tzinfo=dt.UTC)
    span = max((now - start).total_seconds() - 86400 * 3, 86400)
    wishes: list[Wish] = []
    n = 0
    for status, count in STATES:
        for _ in range(count):
            resident_id, grid_id = rng.choice(key_people)
            posted = start + dt.timedelta(seconds=rng.uniform(0, span))
            if status in (Wish.Status.OPEN, Wish.Status.CLAIMED, Wish.Status.FULFILLED):
                posted = now - dt.timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 8))
            helper = n % len(helpers)
            claimed = status in (Wish.Status.CLAIMED, Wish.Status.FULFILLED,
                                 Wish.Status.CONFIRMED)
            fulfilled = status in (Wish.Status.FULFILLED, Wish.Status.CONFIRMED)
            wishes.append(Wish(
                community=community, resident_id=resident_id, grid_id=grid_id,
                title=WISHES[n % len(WISHES)], posted_by=staff, posted_at=posted, status=status,
                claimed_by=helpers[helper] if claimed else None,
                claimant_name=helpers[helper].name if claimed else "",
                volunteer_id=volunteers[helper].pk if claimed else None,
                claimed_at=posted + dt.timedelta(hours=3) if claimed else None,
                fulfilled_at=posted + dt.timedelta(days=1) if fulfilled else None,
                minutes=rng.choice((30, 45, 60, 90)) if fulfilled else None,
                fulfil_note="已上门完成" if fulfilled else "",
                confirmed_by=staff if status == Wish.Status.CONFIRMED else None,
                confirmed_at=posted + dt.timedelta(days=2)
                if status == Wish.Status.CONFIRMED else None,
            ))
            n += 1
    Wish.objects.bulk_create(wishes)
    confirmed = [w for w in wishes if w.status == Wish.Status.CONFIRMED]
    by_pk = {v.pk: v for v in volunteers}
    records = [ServiceRecord(
        community=community, volunteer=by_pk[w.volunteer_id or 0],
        source=ServiceRecord.Source.CREDIT,
        source_ref=wish_ref(w.pk), service=f"微心愿：{w.title}",
        service_date=w.fulfilled_at.date() if w.fulfilled_at else today,
        minutes=w.minutes or 0, status=ServiceRecord.Status.APPROVED, recorded_by=staff,
        decided_by=staff, decided_at=w.confirmed_at, created_at=w.confirmed_at or now)
        for w in confirmed]
    ServiceRecord.objects.bulk_create(records)
    for w, r in zip(confirmed, records, strict=True):
        w.service_record_id = r.pk
    Wish.objects.bulk_update(confirmed, ["service_record_id"])
    world.counts["party_branches"] = len(branches)
    world.counts["party_members"] = len(members) + IN_SERVICE - 2
    world.counts["party_in_service"] = IN_SERVICE
    world.counts["party_wishes"] = len(wishes)


def reset_party(community_ids: Sequence[int]) -> None:
    ServiceRecord.objects.filter(community_id__in=community_ids,
                                 source_ref__startswith="party.wish#").delete()
    Wish.objects.filter(community_id__in=community_ids).delete()
    PartyMember.objects.filter(community_id__in=community_ids).delete()
    PartyOrganisation.grids.through.objects.filter(
        partyorganisation__community_id__in=community_ids).delete()
    PartyOrganisation.buildings.through.objects.filter(
        partyorganisation__community_id__in=community_ids).delete()
    PartyOrganisation.objects.filter(community_id__in=community_ids, parent__isnull=False).delete()
    PartyOrganisation.objects.filter(community_id__in=community_ids).delete()


demo_part("party", order=200, reset=reset_party)(build_party)
