"""Funding's part of 就高不重复 (``talents.support``): the live agreements of a person, or of an
enterprise the person founded, found by ID number and credit code."""

from django.db.models import Q

from talents.support import Award, Subject, register_award_finder

from .models import Agreement, AgreementState


def agreement_awards(subject: Subject) -> list[Award]:
    from enterprises.models import Enterprise

    codes = Enterprise.objects.filter(founders__talent_id=subject.talent_id).values("credit_code")
    agreements = (
        Agreement.objects.filter(Q(talent_id=subject.talent_id) | Q(enterprise__credit_code__in=codes))
        .exclude(state=AgreementState.TERMINATED)
        .select_related("program")
        .distinct()
    )
    return [
        Award("agreement", a.pk, a.program_id, str(a.program), a.program.level, a.starts_on.year, a.total)
        for a in agreements
        if a.pk != subject.agreement_id
    ]


register_award_finder(agreement_awards)
