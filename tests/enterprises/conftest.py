import pytest

from qinhuai_talent.core.models import OrgUnit

from .factories import EnterpriseFactory


@pytest.fixture
def park_enterprise(units):
    """An enterprise of 高新园区 (the park officer's)."""
    return EnterpriseFactory(name="南京云帆测试科技有限公司", org_unit=OrgUnit.objects.get(code="gaoxin_park"))


@pytest.fixture
def street_enterprise(units):
    """An enterprise of 夫子庙街道 (the street officer's)."""
    return EnterpriseFactory(name="南京文庙测试文化有限公司", org_unit=OrgUnit.objects.get(code="fuzimiao"))
