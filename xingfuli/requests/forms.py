"""Forms of the requests pages: they parse input; the services judge it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from xingfuli.requests.models import Category, Level, Request

MAX_PHOTO_BYTES = 5 * 1024 * 1024
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")


def check_image(upload: UploadedFile | None, field: str = "photo") -> UploadedFile | None:
    """An image (PNG, JPEG, GIF or WebP by its first bytes) of at most 5 MB, or nothing."""
    if upload is None:
        return None
    if upload.size is not None and upload.size > MAX_PHOTO_BYTES:
        raise forms.ValidationError(_("A photo may be at most 5 MB."), code="too_big")
    head = upload.read(12)
    upload.seek(0)
    webp = head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if not (webp or any(head.startswith(m) for m in _IMAGE_MAGIC)):
        raise forms.ValidationError(_("Only photos (PNG, JPEG, GIF or WebP) can be added."),
                                    code="not_image")
    return upload


def type_field() -> forms.ChoiceField:
    """咨询/求助/投诉/举报/建议 as one compact select (a single line); 求助 (help) by default."""
    return forms.ChoiceField(label=_("Type"), choices=Request.Type.choices,
                             initial=Request.Type.HELP, required=False)


def unit_field() -> forms.IntegerField:
    return forms.IntegerField(label=_("Unit"), required=False, min_value=1, max_value=99,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric"}))


def category_choices(categories: Sequence[Category]) -> list[tuple[str, str]]:
    """The categories one can choose (the leaves of the tree), named with their parent."""
    parents = {c.parent_id for c in categories if c.parent_id is not None}
    out = []
    for c in categories:
        if c.pk in parents:
            continue
        label = f"{c.parent.name} · {c.name}" if c.parent_id and c.parent else c.name
        out.append((str(c.pk), label))
    return out


class IntakeForm(forms.Form):
    """A grid worker records a call on a resident's behalf (phone-sized, under 30 seconds)."""

    reporter_resident_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reporter_name = forms.CharField(label=_("Caller's name"), max_length=50, required=False)
    reporter_mobile = forms.CharField(label=_("Caller's mobile"), max_length=20, required=False,
                                      widget=forms.TextInput(attrs={"inputmode": "tel",
                                                                    "autocomplete": "off"}))
    type = type_field()
    category_id = forms.TypedChoiceField(label=_("What kind of problem"), coerce=int)
    building_id = forms.TypedChoiceField(label=_("Building"), coerce=int, required=False,
                                         empty_value=None)
    unit = unit_field()
    floor = forms.IntegerField(label=_("Floor"), required=False, min_value=1, max_value=99,
                               widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    place = forms.CharField(label=_("Or a public place"), max_length=200, required=False)
    title = forms.CharField(label=_("What is wrong, in a few words"), max_length=200)
    description = forms.CharField(label=_("More details (optional)"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    channel = forms.ChoiceField(label=_("How it came in"), choices=Request.Channel.choices,
                                initial=Request.Channel.PHONE_TO_GRID)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, categories: Sequence[Category] = (),
                 buildings: Sequence[Any] = (), **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        cat = self.fields["category_id"]
        assert isinstance(cat, forms.ChoiceField)  # noqa: S101
        cat.choices = [("", _("Choose…")), *category_choices(categories)]
        bld = self.fields["building_id"]
        assert isinstance(bld, forms.ChoiceField)  # noqa: S101
        bld.choices = [("", _("No building: the resident's home, or the public place below")),
                       *[(str(b.pk), str(_("Building %(n)s") % {"n": b.number}))
                         for b in buildings]]
        channel = self.fields["channel"]
        assert isinstance(channel, forms.ChoiceField)  # noqa: S101
        channel.choices = [c for c in Request.Channel.choices
                           if c[0] not in (Request.Channel.SELF_REPORT, Request.Channel.OPEN311)]


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any")), *Request.Status.choices])
    level = forms.ChoiceField(label=_("Level"), required=False,
                              choices=[("", _("Any")), *Level.choices])
    category = forms.TypedChoiceField(label=_("Category"), required=False, coerce=int,
                                      empty_value=None)
    grid = forms.TypedChoiceField(label=_("Grid"), required=False, coerce=int, empty_value=None)
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)
    overdue = forms.BooleanField(label=_("Only overdue"), required=False)
    open = forms.BooleanField(label=_("Only open"), required=False)

    def __init__(self, *args: Any, categories: Sequence[Category] = (),
                 grids: Sequence[Any] = (), teams: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, rows in (("category", [(str(c.pk), c.name) for c in categories]),
                           ("grid", [(str(g.pk), g.name) for g in grids]),
                           ("team", [(str(t.pk), t.name) for t in teams])):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)  # noqa: S101
            field.choices = [("", _("Any")), *rows]


class ActionForm(forms.Form):
    """The fields any action may use; each action's template shows only its own."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))
    # Checked by the service (a team of the community, a member of the team).
    team_id = forms.IntegerField(label=_("Service team"), required=False, widget=forms.Select)
    assignee_id = forms.IntegerField(label=_("Team member"), required=False,
                                     widget=forms.Select)
    satisfaction = forms.ChoiceField(label=_("Is the problem solved to your satisfaction?"),
                                     required=False, choices=Request.Satisfaction.choices,
                                     widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))
    to_level = forms.ChoiceField(label=_("To level"), required=False, choices=Level.choices)
    original_number = forms.CharField(
        label=_("Number of the original request (like WQ-2026-000123)"), required=False,
        max_length=24)
    before_photo = forms.FileField(label=_("Photo before the work (optional)"), required=False,
                                   widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))
    after_photo = forms.FileField(label=_("Photo after the work (optional)"), required=False,
                                  widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))

    def __init__(self, *args: Any, teams: Sequence[Any] = (),
                 members: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_people(teams, members)

    def set_people(self, teams: Sequence[Any], members: Sequence[Any]) -> None:
        team = self.fields["team_id"].widget
        assert isinstance(team, forms.Select)  # noqa: S101
        team.choices = [("", _("The category's team")),
                        *[(str(t.pk), t.name) for t in teams]]
        member = self.fields["assignee_id"].widget
        assert isinstance(member, forms.Select)  # noqa: S101
        member.choices = [("", _("By the team's mode (pool or round-robin)")),
                          *[(str(m.user_id), f"{m.team.name} · {m.user.name}")
                            for m in members]]

    def clean_before_photo(self) -> UploadedFile | None:
        return check_image(self.cleaned_data.get("before_photo"))

    def clean_after_photo(self) -> UploadedFile | None:
        return check_image(self.cleaned_data.get("after_photo"))


class ReportForm(forms.Form):
    """Step 3 of a resident's report: say what is wrong, optionally with a photo."""

    type = type_field()
    unit = unit_field()
    floor = forms.IntegerField(label=_("Floor"), required=False, min_value=1, max_value=99,
                               widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    place = forms.CharField(label=_("Where is it?"), max_length=200, required=False)
    title = forms.CharField(label=_("What is wrong?"), max_length=200)
    photo = forms.FileField(label=_("A photo (optional)"), required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)

    def clean_photo(self) -> UploadedFile | None:
        return check_image(self.cleaned_data.get("photo"))
