"""The double test at and around every threshold, one owner of several dwellings, the consent of
owners whose dwelling the shaft takes, and who may vote."""

from decimal import Decimal
from fractions import Fraction

import pytest

from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.elevators import selectors, services
from xingfuli.elevators.models import Ballot
from xingfuli.elevators.tests.factories import owner_login, owners_for, project_at, unit_with

YES, NO, ABSTAIN = Ballot.Choice.YES, Ballot.Choice.NO, Ballot.Choice.ABSTAIN


def _vote(world, project, owners, choices):
    services.round_open(actor=world.carol, project_id=project.pk)
    for owner, choice in zip(owners, choices, strict=False):
        if choice:
            services.ballot_record_paper(actor=world.carol, project_id=project.pk,
                                         owner_id=owner.pk, choice=choice)
    return selectors.ballot_result(project.rounds.get())


def _setup(world, areas, groups=None):
    building, dwellings = unit_with(world, areas)
    owners = owners_for(world, dwellings, groups)
    return project_at(world, building), dwellings, owners


def test_participation_exactly_two_thirds_passes(world):
    project, _d, owners = _setup(world, ["60.00"] * 6)
    result = _vote(world, project, owners, [YES] * 4)
    assert (result.total_area, result.total_heads) == (Decimal("360.00"), 6)
    assert (result.voted_area, result.voted_heads) == (Decimal("240.00"), 4)
    assert result.tests[0].ratio == Fraction(2, 3) and result.tests[0].passed
    assert result.tests[1].ratio == Fraction(2, 3) and result.tests[1].passed
    assert result.passed


def test_participation_area_just_under_two_thirds_fails(world):
    # Four of six take part: 2/3 by headcount, but 240.00 of 360.01 m² is just under 2/3.
    project, _d, owners = _setup(world, ["60.00"] * 5 + ["60.01"])
    result = _vote(world, project, owners, [YES] * 4)
    assert result.tests[1].passed  # headcount 4/6
    assert not result.tests[0].passed  # area 240.00/360.01 < 2/3
    assert result.tests[0].as_dict()["ratio"] == "24000/36001"
    assert not result.participation_passed and not result.passed


def test_participation_heads_just_under_two_thirds_fails(world):
    # 13 of 20 owners (0.65 < 2/3) holding large homes: area passes, headcount does not.
    project, _d, owners = _setup(world, ["100.00"] * 13 + ["20.00"] * 7)
    result = _vote(world, project, owners, [YES] * 13)
    assert result.tests[0].passed and not result.tests[1].passed
    assert not result.passed


def test_approval_exactly_three_quarters_passes_and_one_less_fails(world):
    project, _d, owners = _setup(world, ["50.00"] * 8)
    result = _vote(world, project, owners, [YES] * 6 + [NO] * 2)
    assert result.tests[2].ratio == Fraction(3, 4) and result.tests[3].ratio == Fraction(3, 4)
    assert result.approval_passed and result.passed

    project2, _d2, owners2 = _setup(world, ["50.00"] * 8)
    result2 = _vote(world, project2, owners2, [YES] * 5 + [NO] * 3)
    assert not result2.approval_passed and not result2.passed


def test_approval_area_just_under_three_quarters_fails(world):
    # 3 yes of 4 voters (3/4 by headcount) but the no-voter's home is 0.01 m² larger.
    project, _d, owners = _setup(world, ["60.00", "60.00", "60.00", "60.01"])
    result = _vote(world, project, owners, [YES, YES, YES, NO])
    assert result.tests[3].passed and not result.tests[2].passed
    assert not result.passed


def test_abstention_takes_part_but_does_not_approve(world):
    project, _d, owners = _setup(world, ["50.00"] * 4)
    result = _vote(world, project, owners, [YES, YES, YES, ABSTAIN])
    assert result.voted_heads == 4 and result.yes_heads == 3
    assert result.tests[3].ratio == Fraction(3, 4) and result.passed


def test_one_owner_of_two_dwellings_counts_once_with_the_summed_area(world):
    # Dwellings 0 and 1 belong to one owner: 5 people by headcount, 6 homes by area.
    project, _dwellings, owners = _setup(world, ["60.00"] * 6, [[0, 1], [2], [3], [4], [5]])
    services.round_open(actor=world.carol, project_id=project.pk)
    services.ballot_record_paper(actor=world.carol, project_id=project.pk,
                                 owner_id=owners[0].pk, choice=YES)
    with pytest.raises(DomainError) as exc:  # the same person cannot vote again
        services.ballot_record_paper(actor=world.carol, project_id=project.pk,
                                     owner_id=owners[0].pk, choice=NO)
    assert exc.value.code == ErrorCode.DUPLICATE
    for owner in owners[1:3]:
        services.ballot_record_paper(actor=world.carol, project_id=project.pk,
                                     owner_id=owner.pk, choice=YES)
    result = selectors.ballot_result(project.rounds.get())
    assert result.total_heads == 5 and result.total_area == Decimal("360.00")
    # 3 of 5 people (< 2/3) but 240 of 360 m² (= 2/3).
    assert (result.voted_heads, result.voted_area) == (3, Decimal("240.00"))
    assert result.tests[0].passed and not result.tests[1].passed
    assert not result.passed


def test_co_owners_of_one_dwelling_count_once_and_vote_once(world):
    building, dwellings = unit_with(world, ["60.00"] * 3)
    owners = owners_for(world, dwellings, [[0], [0], [1], [2]])  # two co-owners of 101
    project = project_at(world, building)
    services.round_open(actor=world.carol, project_id=project.pk)
    services.ballot_record_paper(actor=world.carol, project_id=project.pk,
                                 owner_id=owners[0].pk, choice=YES)
    with pytest.raises(DomainError):
        services.ballot_record_paper(actor=world.carol, project_id=project.pk,
                                     owner_id=owners[1].pk, choice=NO)
    assert selectors.ballot_result(project.rounds.get()).total_heads == 3


def test_developer_dwellings_count_as_one_person(world):
    building, dwellings = unit_with(world, ["60.00"] * 4)
    owners = owners_for(world, dwellings, [[0], [1], [2], [3]])
    owners[2].is_developer = owners[3].is_developer = True
    for o in owners[2:]:
        o.save(update_fields=["is_developer"])
    project = project_at(world, building)
    result = _vote(world, project, owners, [])
    assert result.total_heads == 3 and result.total_area == Decimal("240.00")


def test_owner_whose_dwelling_the_shaft_takes_voting_no_blocks_the_project(world):
    project, dwellings, owners = _setup(world, ["60.00"] * 8)
    project.shaft_dwellings.set([dwellings[0]])
    result = _vote(world, project, owners, [NO] + [YES] * 7)
    assert result.participation_passed and result.approval_passed  # 7/8 ≥ 3/4
    assert not result.consents_passed and not result.passed
    sheet = result.as_dict()
    assert sheet["consents"] == [{"dwellings": dwellings[0].room, "owners": "业主1",
                                  "choice": "no"}]


def test_owner_whose_dwelling_the_shaft_takes_not_voting_blocks_too(world):
    project, dwellings, owners = _setup(world, ["60.00"] * 8)
    project.shaft_dwellings.set([dwellings[7]])
    result = _vote(world, project, owners, [YES] * 7)
    assert result.participation_passed and result.approval_passed
    assert not result.passed


def test_close_keeps_every_number_of_the_sheet(world):
    project, _d, owners = _setup(world, ["60.00"] * 6)
    _vote(world, project, owners, [YES] * 5 + [NO])
    round_ = services.round_close(actor=world.carol, project_id=project.pk)
    assert round_.passed is True
    sheet = round_.result
    assert sheet["total_area"] == "360.00" and sheet["voted_heads"] == 6
    assert [t["ratio"] for t in sheet["tests"]] == ["1/1", "1/1", "5/6", "5/6"]
    assert len(sheet["voters"]) == 6
    with pytest.raises(DomainError):  # closed: no more ballots
        services.ballot_record_paper(actor=world.carol, project_id=project.pk,
                                     owner_id=owners[5].pk, choice=YES)


def test_owner_votes_online_and_may_change_their_mind(world):
    project, dwellings, owners = _setup(world, ["60.00"] * 3)
    user = owner_login(world, owners[1], dwellings[1])
    services.round_open(actor=world.carol, project_id=project.pk)
    services.ballot_cast_online(actor=user, project_id=project.pk, choice=NO)
    services.ballot_cast_online(actor=user, project_id=project.pk, choice=YES)
    ballot = Ballot.objects.get()
    assert (ballot.owner_id, ballot.choice, ballot.channel) == (owners[1].pk, YES, "online")
    with pytest.raises(DomainError):  # staff cannot record a paper ballot on top
        services.ballot_record_paper(actor=world.carol, project_id=project.pk,
                                     owner_id=owners[1].pk, choice=NO)


def test_owners_of_another_unit_cannot_vote_or_see_the_ballot(world):
    project, _d, owners = _setup(world, ["60.00"] * 3)
    _other_building, other_dwellings = unit_with(world, ["60.00"] * 2)
    other_owners = owners_for(world, other_dwellings)
    outsider = owner_login(world, other_owners[0], other_dwellings[0], "邻居")
    services.round_open(actor=world.carol, project_id=project.pk)
    with pytest.raises(NotFound):
        selectors.access_project(actor=outsider, project_id=project.pk)
    with pytest.raises(NotFound):
        services.ballot_cast_online(actor=outsider, project_id=project.pk, choice=YES)
    assert not selectors.projects_for(actor=outsider).exists()
    # A plain resident of the community (alice) is not an owner here either.
    with pytest.raises(NotFound):
        services.ballot_cast_online(actor=world.alice, project_id=project.pk, choice=YES)
    # Staff of another community cannot record ballots.
    with pytest.raises(NotFound):
        services.ballot_record_paper(actor=world.oscar, project_id=project.pk,
                                     owner_id=owners[0].pk, choice=YES)
    # A grid worker reads but does not record.
    with pytest.raises(Forbidden):
        services.ballot_record_paper(actor=world.gina, project_id=project.pk,
                                     owner_id=owners[0].pk, choice=YES)
    assert not Ballot.objects.exists()


def test_a_vote_needs_areas_and_owners_for_every_dwelling(world):
    building, dwellings = unit_with(world, ["60.00"] * 3)
    owners_for(world, dwellings[:2])
    project = project_at(world, building)
    with pytest.raises(DomainError) as exc:
        services.round_open(actor=world.carol, project_id=project.pk)
    assert dwellings[2].room in str(exc.value.message)
