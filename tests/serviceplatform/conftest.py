import pytest

from qinhuai_talent.core.models import OrgUnit, Role, User
from serviceplatform import services
from serviceplatform.models import ServiceCategory
from tests.enterprises.factories import EnterpriseFactory, SupportItemFactory


def make_provider(office, name: str, category=ServiceCategory.IP, *, accredit=True, days=10):
    provider = services.provider_register(actor=office, name=name, name_en=f"{name} (en)", category=category)
    if accredit:
        provider = services.provider_transition(actor=office, provider=provider, action="accredit")
    service = services.service_save(
        actor=office, provider=provider, category=category, name=f"{name}服务", name_en="Service", expected_days=days
    )
    return provider, service


def make_staff(office, provider, username: str) -> User:
    user = User.objects.create_user(username=username, password="x", role=Role.PROVIDER)
    services.staff_attach(actor=office, user=user, provider=provider)
    return user


@pytest.fixture
def ip(office):
    """An accredited IP agency with one 10-day service."""
    return make_provider(office, "测试知识产权代理所")


@pytest.fixture
def law(office):
    """A second accredited provider (legal and tax)."""
    return make_provider(office, "测试律师事务所", ServiceCategory.LEGAL_TAX)


@pytest.fixture
def ip_staff(office, ip):
    return make_staff(office, ip[0], "ipstaff")


@pytest.fixture
def law_staff(office, law):
    return make_staff(office, law[0], "lawstaff")


@pytest.fixture
def street_enterprise(units):
    return EnterpriseFactory(name="南京文庙服务测试有限公司", org_unit=OrgUnit.objects.get(code="fuzimiao"))


@pytest.fixture
def park_enterprise(units):
    return EnterpriseFactory(name="南京高新服务测试有限公司", org_unit=OrgUnit.objects.get(code="gaoxin_park"))


@pytest.fixture
def account(units):
    """The account of ``own``, the street's enterprise."""
    return User.objects.create_user("e-svc", password="x-Long-pass-1", role=Role.ENTERPRISE)


@pytest.fixture
def own(street_enterprise, account):
    street_enterprise.account = account
    street_enterprise.save(update_fields=["account"])
    return street_enterprise


@pytest.fixture
def plan_item(street_enterprise):
    return SupportItemFactory(enterprise=street_enterprise, kind="other", title="协助申请发明专利")


@pytest.fixture
def fund(office):
    """The guidance fund (创投引导基金): an accredited 科技金融 provider with a 2017 budget of 5 million."""
    provider, service = make_provider(office, "测试创投引导基金", ServiceCategory.TECH_FINANCE, days=60)
    services.fund_budget_set(actor=office, provider=provider, year=2017, amount="5000000")
    return provider, service


@pytest.fixture
def guarantor(office):
    """The guarantee company (投资担保): an accredited 科技金融 provider without a fund budget."""
    return make_provider(office, "测试投资担保公司", ServiceCategory.TECH_FINANCE, days=20)


@pytest.fixture
def fund_staff(office, fund):
    return make_staff(office, fund[0], "fundstaff")


@pytest.fixture
def guarantor_staff(office, guarantor):
    return make_staff(office, guarantor[0], "guarantorstaff")
