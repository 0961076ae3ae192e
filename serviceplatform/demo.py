"""The demo's "1+x" platform: a dozen providers across the categories (the guidance fund, the
guarantee company and the micro-loan company of the seed among them), their services, the
`provider` login (staff of an IP agency), and 48 service requests of 2017 in every state, each
walked through the services on its own days (some overdue, some rated, some from a plan item);
the guidance fund's 2017 budget and four financing requests through the platform (an equity round
of the guidance fund, a guarantee of the guarantee company for the `enterprise` login's company,
a micro-loan, a bank loan refused); and four government first purchases."""

import datetime
from decimal import Decimal

from django.db import transaction

from enterprises.models import Enterprise, EnterpriseStatus, SupportPlanItem, SupportStatus
from qinhuai_talent.core import clock
from qinhuai_talent.core.models import Role, User

from . import services
from .models import (
    FirstPurchase,
    FundBudget,
    Provider,
    ProviderStaff,
    ProviderState,
    RequestState,
    Service,
    ServiceRequest,
)
from .models import ServiceCategory as C

# (name, English name, category, contact, phone, area, final state, services)
# services: (category, name, English name, description, English description, price or None, days)
PROVIDERS = [
    (
        "南京秦淮知识产权服务中心",
        "Qinhuai IP Service Centre",
        C.IP,
        "周律",
        "025-84460001",
        "秦淮区全域",
        ProviderState.ACCREDITED,
        [
            (
                C.IP,
                "专利申请代理",
                "Patent filing",
                "发明、实用新型专利撰写与申请",
                "Drafting and filing of invention and utility patents",
                Decimal("3000"),
                30,
            ),
            (
                C.IP,
                "知识产权贯标辅导",
                "IP management standard coaching",
                "企业知识产权管理规范贯标",
                "Coaching for the enterprise IP management standard",
                None,
                45,
            ),
            (
                C.IP,
                "专利交易与许可对接",
                "Patent trading and licensing",
                "专利转让、许可撮合",
                "Matching patent transfers and licences",
                None,
                20,
            ),
        ],
    ),
    (
        "高新园区人才企业创投引导基金",
        "High-tech Park Talent Venture Guidance Fund",
        C.TECH_FINANCE,
        "钱总",
        "025-84460002",
        "秦淮区人才企业",
        ProviderState.ACCREDITED,
        [
            (
                C.TECH_FINANCE,
                "引导基金股权投资",
                "Guidance fund equity investment",
                "对人才企业的股权投资",
                "Equity investment in talent enterprises",
                None,
                60,
            )
        ],
    ),
    (
        "秦淮投资担保有限公司",
        "Qinhuai Investment Guarantee Co.",
        C.TECH_FINANCE,
        "孙经理",
        "025-84460003",
        "秦淮区",
        ProviderState.ACCREDITED,
        [
            (
                C.TECH_FINANCE,
                "科技贷款担保",
                "Technology loan guarantee",
                "为人才企业银行贷款提供担保",
                "Guarantees for talent enterprises' bank loans",
                None,
                20,
            )
        ],
    ),
    (
        "秦淮科技小额贷款有限公司",
        "Qinhuai Technology Micro-loan Co.",
        C.TECH_FINANCE,
        "李经理",
        "025-84460004",
        "秦淮区",
        ProviderState.ACCREDITED,
        [
            (
                C.TECH_FINANCE,
                "科技小额贷款",
                "Technology micro-loan",
                "500万元以内的信用贷款",
                "Credit loans up to 5 million yuan",
                None,
                15,
            )
        ],
    ),
    (
        "南京银行秦淮科技支行",
        "Bank of Nanjing, Qinhuai Technology Branch",
        C.TECH_FINANCE,
        "吴行长",
        "025-84460005",
        "南京市",
        ProviderState.ACCREDITED,
        [
            (
                C.TECH_FINANCE,
                "科技金融信贷",
                "Technology credit",
                "知识产权质押贷款等",
                "Loans against IP and other technology credit",
                None,
                30,
            )
        ],
    ),
    (
        "金陵天使创投",
        "Jinling Angel Ventures",
        C.INVESTMENT_MATCHING,
        "郑合伙人",
        "025-84460006",
        "长三角",
        ProviderState.ACCREDITED,
        [
            (
                C.INVESTMENT_MATCHING,
                "路演与投资对接",
                "Roadshow and investor matching",
                "组织项目路演，对接投资机构",
                "Roadshows and introductions to investors",
                None,
                30,
            )
        ],
    ),
    (
        "秦淮人力资源服务有限公司",
        "Qinhuai HR Services",
        C.HR,
        "王主管",
        "025-84460007",
        "秦淮区",
        ProviderState.ACCREDITED,
        [
            (
                C.HR,
                "高端人才招聘",
                "Executive search",
                "研发与管理岗位猎头",
                "Search for R&D and management staff",
                Decimal("8000"),
                40,
            )
        ],
    ),
    (
        "南京创新管理咨询有限公司",
        "Nanjing Innovation Management Consulting",
        C.CONSULTING,
        "冯顾问",
        "025-84460008",
        "南京市",
        ProviderState.ACCREDITED,
        [
            (
                C.CONSULTING,
                "股权激励方案设计",
                "Equity incentive design",
                "核心团队股权激励",
                "Equity incentives for the core team",
                Decimal("20000"),
                30,
            )
        ],
    ),
    (
        "秦淮法律财税服务所",
        "Qinhuai Legal and Tax Services",
        C.LEGAL_TAX,
        "陈律师",
        "025-84460009",
        "秦淮区",
        ProviderState.ACCREDITED,
        [
            (
                C.LEGAL_TAX,
                "财税合规体检",
                "Tax compliance check",
                "财务与税务合规检查",
                "Finance and tax compliance review",
                None,
                10,
            )
        ],
    ),
    (
        "1865创意市场推广中心",
        "1865 Creative Marketing Centre",
        C.MARKETING,
        "秦主任",
        "025-84460010",
        "秦淮区",
        ProviderState.ACCREDITED,
        [
            (
                C.MARKETING,
                "新品发布推广",
                "Product launch promotion",
                "新产品发布与渠道推广",
                "Launch events and channel promotion",
                Decimal("5000"),
                21,
            )
        ],
    ),
    (
        "秦淮公共技术服务平台",
        "Qinhuai Public Technology Platform",
        C.PUBLIC_TECH,
        "褚工",
        "025-84460011",
        "秦淮区",
        ProviderState.ACCREDITED,
        [
            (
                C.PUBLIC_TECH,
                "检测认证服务",
                "Testing and certification",
                "产品检测与认证",
                "Product testing and certification",
                Decimal("2000"),
                14,
            )
        ],
    ),
    (
        "国创园创业辅导站",
        "Guochuang Park Startup Coaching Station",
        C.STARTUP_COACHING,
        "蒋导师",
        "025-84460012",
        "国创园",
        ProviderState.ACCREDITED,
        [
            (
                C.STARTUP_COACHING,
                "创业导师辅导",
                "Startup mentoring",
                "创业导师一对一辅导",
                "One-to-one startup mentoring",
                None,
                30,
            )
        ],
    ),
    (
        "江苏上市辅导服务中心",
        "Jiangsu Listing Coaching Centre",
        C.LISTING_COACHING,
        "卫总",
        "025-84460013",
        "江苏省",
        ProviderState.SUSPENDED,
        [
            (
                C.LISTING_COACHING,
                "新三板挂牌辅导",
                "NEEQ listing coaching",
                "新三板挂牌全流程辅导",
                "Coaching through a NEEQ listing",
                Decimal("50000"),
                120,
            )
        ],
    ),
    (
        "南京速达财务咨询有限公司",
        "Nanjing Suda Financial Consulting",
        C.LEGAL_TAX,
        "韩会计",
        "025-84460014",
        "南京市",
        ProviderState.APPLIED,
        [],
    ),
]

IP_AGENCY = PROVIDERS[0][0]
DAY = datetime.timedelta(days=1)
# The states the demo's requests end in, cycled over the requests.
ENDINGS = [
    RequestState.CLOSED,
    RequestState.DELIVERED,
    RequestState.IN_PROGRESS,
    RequestState.ACCEPTED,
    RequestState.ASSIGNED,
    RequestState.DECLINED,
    RequestState.SUBMITTED,
    RequestState.CANCELLED,
    RequestState.CLOSED,
    RequestState.CLOSED,
]
REQUEST_COUNT = 48
NEEDS = {
    C.IP: "核心算法申请发明专利，需代理机构协助撰写",
    C.TECH_FINANCE: "扩大生产需融资500万元",
    C.INVESTMENT_MATCHING: "A轮融资，希望参加路演对接投资机构",
    C.HR: "招聘两名资深研发工程师",
    C.CONSULTING: "设计核心团队股权激励方案",
    C.LEGAL_TAX: "年度财税合规检查",
    C.MARKETING: "新产品上市推广",
    C.PUBLIC_TECH: "新产品检测认证",
    C.STARTUP_COACHING: "创业导师辅导商业计划",
}


def seed(stdout) -> None:
    office = User.objects.filter(role=Role.OFFICE, is_active=True).order_by("pk").first()
    if office is None:
        stdout.write("serviceplatform: no office account; run the core demo first")
        return
    with clock.running_on(datetime.date(2017, 1, 5)):
        providers = _providers(office)
    _provider_account(office, providers[IP_AGENCY])
    if not ServiceRequest.objects.exists():
        _requests(office)
    if not FundBudget.objects.exists():
        _financing(office, providers)
    if not FirstPurchase.objects.exists():
        _first_purchases(office)
    _account_plan_item()


# The demo enterprise account's open plan item that it asks the catalogue for (the walk of the
# browser tier: request, accept, deliver, rate, and the item done).
ACCOUNT_PLAN_ITEM = "申请发明专利并开展专利布局"


@transaction.atomic
def _account_plan_item() -> None:
    from enterprises.models import SupportKind
    from enterprises.workflows import SUPPORT_WORKFLOW

    enterprise = Enterprise.objects.filter(account__username="enterprise").select_related("org_unit").first()
    if enterprise is None or SupportPlanItem.objects.filter(enterprise=enterprise, title=ACCOUNT_PLAN_ITEM).exists():
        return
    owner = (
        User.objects.filter(role__in=[Role.STREET, Role.PARK], org_unit=enterprise.org_unit_id, is_active=True)
        .order_by("pk")
        .first()
    )
    SUPPORT_WORKFLOW.create_record(
        actor=owner,
        enterprise=enterprise,
        kind=SupportKind.OTHER,
        title=ACCOUNT_PLAN_ITEM,
        owner=owner,
        due_on=clock.DEMO_DAY + datetime.timedelta(days=60),
    )
    # One the enterprise asked for itself from the catalogue: delivered, waiting for its rating.
    service = Service.objects.filter(provider__name=IP_AGENCY, name="专利交易与许可对接").first()
    if service is None:
        return
    account = enterprise.account
    with clock.running_on(datetime.date(2017, 11, 20)):
        request = services.request_file(
            actor=account, enterprise=enterprise, category=service.category, need="寻找专利许可合作方", service=service
        )
    staff = _staff_actor(service.provider)
    with clock.running_on(datetime.date(2017, 11, 22)):
        request = services.request_transition(actor=staff, request=request, action="accept")
    with clock.running_on(datetime.date(2017, 12, 8)):
        services.request_transition(
            actor=staff, request=request, action="deliver", note="已对接两家许可意向方并组织洽谈"
        )


@transaction.atomic
def _providers(office: User) -> dict[str, Provider]:
    providers = {}
    for name, name_en, category, contact, phone, area, state, offered in PROVIDERS:
        provider = Provider.objects.filter(name=name).first()
        if provider is None:
            provider = services.provider_register(
                actor=office,
                name=name,
                name_en=name_en,
                category=category,
                contact_name=contact,
                contact_phone=phone,
                service_area=area,
                description=offered[0][3] if offered else "",
            )
            if state != ProviderState.APPLIED:
                services.provider_transition(actor=office, provider=provider, action="accredit", reason="2017年度认定")
            if state == ProviderState.SUSPENDED:
                services.provider_transition(
                    actor=office, provider=provider, action="suspend", reason="年度评价低于标准，暂停整改"
                )
            for cat, sname, sname_en, desc, desc_en, price, days in offered:
                services.service_save(
                    actor=office,
                    provider=provider,
                    category=cat,
                    name=sname,
                    name_en=sname_en,
                    description=desc,
                    description_en=desc_en,
                    price=price,
                    expected_days=days,
                )
        providers[name] = provider
    return providers


def _provider_account(office: User, provider: Provider) -> None:
    from qinhuai_talent.core.demo import DEMO_PASSWORD

    user = User.objects.filter(username="provider").first() or User(username="provider")
    user.role, user.org_unit = Role.PROVIDER, None
    user.last_name, user.first_name = "周", "代理"
    user.is_active, user.is_staff = True, False
    user.set_password(DEMO_PASSWORD)
    user.save()
    services.staff_attach(actor=office, user=user, provider=provider)


def _officer_for(enterprise: Enterprise, officers: dict[int, User], office: User) -> User:
    return officers.get(enterprise.org_unit_id, office)


@transaction.atomic
def _requests(office: User) -> None:
    enterprises = list(
        Enterprise.objects.filter(status=EnterpriseStatus.ACTIVE).select_related("org_unit").order_by("pk")
    )
    if not enterprises:
        return
    officers = {
        u.org_unit_id: u for u in User.objects.filter(role__in=[Role.STREET, Role.PARK], is_active=True).order_by("-pk")
    }
    offered = list(
        Service.objects.filter(active=True, provider__state=ProviderState.ACCREDITED)
        .select_related("provider")
        .order_by("pk")
    )
    ip_services = [s for s in offered if s.category == C.IP]
    open_items = {
        item.enterprise_id: item
        for item in SupportPlanItem.objects.filter(
            status__in=[SupportStatus.PLANNED, SupportStatus.IN_PROGRESS]
        ).order_by("-pk")
    }
    used_items: set[int] = set()
    for i in range(REQUEST_COUNT):
        enterprise = enterprises[(i * 7) % len(enterprises)]
        ending = ENDINGS[i % len(ENDINGS)]
        # Every third request goes to the IP agency (the `provider` login), the rest round the catalogue.
        service = ip_services[i % len(ip_services)] if i % 3 == 0 else offered[i % len(offered)]
        # Finished requests start early in the year, open ones late, so only some are overdue.
        month = 1 + i % 8 if ending in (RequestState.CLOSED, RequestState.CANCELLED) else 6 + i % 7
        filed = datetime.date(2017, month, 1 + (i * 3) % 25)
        actor = _officer_for(enterprise, officers, office)
        plan_item = None
        item = open_items.get(enterprise.pk)
        if ending == RequestState.CLOSED and item is not None and item.pk not in used_items:
            plan_item = item
            used_items.add(item.pk)
        unrouted = ending in (RequestState.SUBMITTED, RequestState.CANCELLED) or i % 4 == 1
        with clock.running_on(filed):
            request = services.request_file(
                actor=office if plan_item else actor,
                enterprise=enterprise,
                category=service.category,
                need=NEEDS.get(service.category, service.name),
                service=None if unrouted else service,
                plan_item=plan_item,
            )
        if ending == RequestState.SUBMITTED:
            continue
        if ending == RequestState.CANCELLED:
            with clock.running_on(filed + 2 * DAY):
                services.request_transition(actor=actor, request=request, action="cancel", reason="企业已自行解决")
            continue
        if unrouted:
            with clock.running_on(filed + DAY):
                request = services.request_assign(
                    actor=actor, request=request, provider=service.provider, service=service
                )
        staff = service.provider
        if ending == RequestState.ASSIGNED:
            continue
        step = filed + 2 * DAY
        if ending == RequestState.DECLINED:
            with clock.running_on(step):
                services.request_transition(
                    actor=_staff_actor(staff), request=request, action="decline", reason="本月排期已满"
                )
            continue
        with clock.running_on(step):
            request = services.request_transition(actor=_staff_actor(staff), request=request, action="accept")
        if ending == RequestState.ACCEPTED:
            continue
        if ending == RequestState.IN_PROGRESS or i % 2:
            with clock.running_on(step + DAY):
                request = services.request_transition(actor=_staff_actor(staff), request=request, action="start")
        if ending == RequestState.IN_PROGRESS:
            continue
        # Late-year requests are delivered by the demo's day at the latest (the story ends there).
        delivered = min(step + datetime.timedelta(days=max(3, service.expected_days - 5 + i % 11)), clock.DEMO_DAY)
        with clock.running_on(delivered):
            request = services.request_transition(
                actor=_staff_actor(staff), request=request, action="deliver", note="已按约定完成服务并提交成果材料"
            )
        if ending == RequestState.DELIVERED:
            continue
        with clock.running_on(min(delivered + 3 * DAY, clock.DEMO_DAY)):
            services.request_transition(
                actor=office if plan_item else actor,
                request=request,
                action="close",
                rating=3 + i % 3,
                comment="服务及时，专业性强" if i % 3 else "基本满意",
            )


def _staff_actor(provider: Provider) -> User:
    """An account of ``provider``'s staff: the demo login for the IP agency, one per other provider."""
    staff = ProviderStaff.objects.filter(provider=provider).select_related("user").order_by("pk").first()
    if staff is not None:
        return staff.user
    from qinhuai_talent.core.demo import DEMO_PASSWORD

    username = f"provider{provider.pk}"
    user = User.objects.filter(username=username).first() or User(username=username, role=Role.PROVIDER)
    user.set_password(DEMO_PASSWORD)
    user.save()
    ProviderStaff.objects.create(user=user, provider=provider)
    return user


GUIDANCE_FUND, GUARANTOR, MICRO_LOAN, BANK = (PROVIDERS[i][0] for i in (1, 2, 3, 4))
M1, M3 = Decimal("1000000"), Decimal("3000000")
FUND_BUDGET_2017 = Decimal("20000000")
# (provider, instrument, amount wanted, use, filed, outcome: (amount granted, rate, valuation) or
# the reason it was refused); the guarantee is for the `enterprise` login's company.
FINANCING = [
    (GUIDANCE_FUND, "equity", M3, "扩大研发团队，建设测试中心", "2017-08-07", (M3, None, 10 * M3)),
    (GUARANTOR, "guarantee", 2 * M1, "流动资金贷款担保", "2017-09-04", (2 * M1, Decimal("1.5"), None)),
    (MICRO_LOAN, "loan", M1, "采购原材料", "2017-10-09", (M1, Decimal("6.5"), None)),
    (BANK, "loan", Decimal("5000000"), "新建生产线", "2017-10-16", "抵押物不足，建议先申请担保"),
]
# (buyer department, product, amount, day, contract number)
FIRST_PURCHASES = [
    ("秦淮区城市管理局", "智慧交通信号协同控制系统", Decimal("1200000"), "2017-05-18", "QHCG-2017-0031"),
    ("秦淮区教育局", "中小学云端教学平台", Decimal("860000"), "2017-07-06", "QHCG-2017-0057"),
    ("秦淮区卫生和计划生育局", "社区健康数据管理系统", Decimal("650000"), "2017-09-21", "QHCG-2017-0088"),
    ("秦淮区政务服务管理办公室", "电子证照核验终端", Decimal("420000"), "2017-11-09", "QHCG-2017-0112"),
]


def _demo_enterprises() -> list[Enterprise]:
    """Active enterprises of different units, the `enterprise` login's company second."""
    active = list(Enterprise.objects.filter(status=EnterpriseStatus.ACTIVE).order_by("pk"))
    account = _account_id("enterprise")
    own = next((e for e in active if account is not None and e.account_id == account), None)
    others, units = [], set()
    for e in active:
        if e is not own and e.org_unit_id not in units:
            others.append(e)
            units.add(e.org_unit_id)
    if own is not None:
        others.insert(1, own)
    return others


def _account_id(username: str) -> int | None:
    return User.objects.filter(username=username).values_list("pk", flat=True).first()


@transaction.atomic
def _financing(office: User, providers: dict[str, Provider]) -> None:
    from enterprises.services import figures_recompute

    services.fund_budget_set(actor=office, provider=providers[GUIDANCE_FUND], year=2017, amount=FUND_BUDGET_2017)
    enterprises = _demo_enterprises()
    if len(enterprises) < len(FINANCING):
        return
    officers = {
        u.org_unit_id: u for u in User.objects.filter(role__in=[Role.STREET, Role.PARK], is_active=True).order_by("-pk")
    }
    for enterprise, (name, instrument, wanted, use, filed, outcome) in zip(enterprises, FINANCING, strict=False):
        provider = providers[name]
        service = provider.services.order_by("pk").first()
        staff = _staff_actor(provider)
        day = datetime.date.fromisoformat(filed)
        with clock.running_on(day):
            request = services.request_file(
                actor=_officer_for(enterprise, officers, office),
                enterprise=enterprise,
                category=C.TECH_FINANCE,
                need=NEEDS[C.TECH_FINANCE],
                service=service,
                amount_wanted=wanted,
                use=use,
                instrument=instrument,
            )
        with clock.running_on(day + 2 * DAY):
            request = services.request_transition(actor=staff, request=request, action="accept")
        with clock.running_on(day + 20 * DAY):
            if isinstance(outcome, str):
                services.financing_outcome_record(actor=staff, request=request, outcome="refused", reason=outcome)
            else:
                amount, rate, valuation = outcome
                services.financing_outcome_record(
                    actor=staff,
                    request=request,
                    outcome="granted",
                    amount=amount,
                    instrument=instrument,
                    rate=rate,
                    valuation=valuation,
                )
    # The granted ones are financing of their enterprises: their cumulative figures include them.
    figures_recompute()


@transaction.atomic
def _first_purchases(office: User) -> None:
    enterprises = _demo_enterprises()
    for enterprise, (buyer, product, amount, day, number) in zip(enterprises[1:], FIRST_PURCHASES, strict=False):
        purchased = datetime.date.fromisoformat(day)
        with clock.running_on(purchased + 3 * DAY):
            services.first_purchase_add(
                actor=office,
                enterprise=enterprise,
                buyer=buyer,
                product=product,
                amount=amount,
                purchased_on=purchased,
                contract_number=number,
            )
