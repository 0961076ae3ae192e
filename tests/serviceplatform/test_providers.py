"""Providers (服务机构): the accreditation workflow, the catalogue and the `provider` role's reach."""

import pytest
from django.utils import translation

from qinhuai_talent.core.errors import ActionNotAllowed
from qinhuai_talent.core.workflow import transitions_of
from serviceplatform import services
from serviceplatform.models import Provider, ProviderState, ServiceCategory
from serviceplatform.workflows import PROVIDER_WORKFLOW
from tests.domain import raises_domain

from .conftest import make_provider

pytestmark = pytest.mark.django_db


def test_accreditation_walks_applied_accredited_suspended_revoked_with_day_reason_and_log(office):
    provider, _service = make_provider(office, "测试人力资源公司", ServiceCategory.HR, accredit=False)
    assert provider.state == ProviderState.APPLIED
    steps = [("accredit", ""), ("suspend", "年度评价不合格"), ("reinstate", "整改完成"), ("revoke", "不再经营")]
    for action, reason in steps:
        provider = services.provider_transition(actor=office, provider=provider, action=action, reason=reason)
        assert provider.state_reason == reason and provider.state_changed_on is not None
    assert provider.state == ProviderState.REVOKED
    log = list(transitions_of(provider).values_list("action", "to_state", "reason"))
    assert log == [
        ("apply", "applied", ""),
        *[(a, t, r) for (a, r), t in zip(steps, ["accredited", "suspended", "accredited", "revoked"])],
    ]


@pytest.mark.parametrize("role", ["street_officer", "park_officer", "finance", "leader", "expert"])
def test_only_the_office_accredits_and_nothing_changes_otherwise(request, office, role):
    provider, _s = make_provider(office, "测试咨询公司", ServiceCategory.CONSULTING, accredit=False)
    user = request.getfixturevalue(role)
    for t in PROVIDER_WORKFLOW.transitions:
        # From the applied state a step the others may not take is refused for who they are.
        expected = "permission_denied" if ProviderState.APPLIED in t.sources else "invalid_state"
        with raises_domain(expected):
            services.provider_transition(actor=user, provider=provider, action=t.action, reason="x")
    with pytest.raises(ActionNotAllowed):
        services.provider_register(actor=user, name="另一家", category=ServiceCategory.HR)
    provider.refresh_from_db()
    assert provider.state == ProviderState.APPLIED and transitions_of(provider).count() == 1


def test_every_transition_out_of_order_is_a_400_in_chinese_and_english_and_changes_nothing(office, api):
    provider, _s = make_provider(office, "测试财税所", ServiceCategory.LEGAL_TAX)  # accredited
    client = api(office)
    for action, lang, expected in [
        ("accredit", "zh-hans", "不能"),
        ("accredit", "en", "not possible"),
        ("reinstate", "en", "not possible"),
        ("suspend", "en", "reason"),  # a suspension needs its reason
        ("suspend", "zh-hans", "理由"),
    ]:
        response = client.post(
            f"/api/v1/service-providers/{provider.pk}/{action}/", {}, format="json", HTTP_ACCEPT_LANGUAGE=lang
        )
        assert response.status_code == 400, (action, response.content)
        assert expected in response.content.decode(), (action, lang, response.content.decode())
    provider.refresh_from_db()
    assert provider.state == ProviderState.ACCREDITED and transitions_of(provider).count() == 2


def test_register_refuses_a_duplicate_or_an_unknown_category(office, api):
    make_provider(office, "重名机构")
    client = api(office)
    response = client.post("/api/v1/service-providers/", {"name": "重名机构", "category": "ip"}, format="json")
    assert response.status_code == 400 and "name" in response.json()
    response = client.post("/api/v1/service-providers/", {"name": "新机构", "category": "astrology"}, format="json")
    assert response.status_code == 400 and "category" in response.json()
    assert Provider.objects.count() == 1


def test_the_public_catalogue_lists_accredited_providers_services_only_searchable_in_both_languages(office, client):
    _ip, ip_service = make_provider(office, "可见的知识产权所")
    suspended, _x = make_provider(office, "被暂停的机构", ServiceCategory.MARKETING)
    services.provider_transition(actor=office, provider=suspended, action="suspend", reason="整改")
    make_provider(office, "申请中的机构", ServiceCategory.HR, accredit=False)
    page = client.get("/services/").content.decode()  # no login
    assert "可见的知识产权所服务" in page
    assert "被暂停的机构" not in page and "申请中的机构" not in page
    assert 'lang="zh-hans"' in page
    assert "可见的知识产权所" not in client.get("/services/?q=律师").content.decode()
    assert "可见的知识产权所服务" in client.get("/services/?category=ip").content.decode()
    english = client.get("/services/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    with translation.override("en"):
        assert "Service catalogue" in english and "可见的知识产权所 (en)" in english
