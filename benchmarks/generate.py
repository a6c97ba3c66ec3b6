#!/usr/bin/env python3
"""Write a synthetic Jekyll site in the shape of finews.withounder.com, deterministically.

    python benchmarks/generate.py N OUT_DIR [--seed S] [--force]

writes OUT_DIR/_config.yml and N posts OUT_DIR/_posts/YYYY-MM-DD-<18-digit id>.md in the shape
the scrapers write (see /work/shared/seed/ and /work/shared/corpus/finews/):

- front matter exactly like the seed: ``layout: post``, a double-quoted Chinese ``title``,
  ``date: YYYY-MM-DD HH:MM:SS +0800`` (2022-01-01 .. 2023-12-31), ``categories: <pinyin>`` from
  60 categories (four hold two space-separated names, five have parentheses), ``tags: <tag>``:
  the category's Chinese tag, or for about 10% of posts a flow list of 2-3 tags drawn from the
  60 category tags plus 8 extra tags (68 tags in all);
- a 2-6 KB HTML body: the hidden first paragraph, the EM_StockImg comment and K-line widget,
  ``<p>`` paragraphs of Chinese text (sometimes with ``<strong>`` subheads, stock keytip spans
  and centred images), ``<p class="em_media">（文章来源：…）</p>``, a blank line, the source
  autolink, a blank line and the protocol-relative footer, with no trailing newline;
- about 5% of posts use the blockquote-digest shape: ``> 摘要…（上海证券报）``, a blank line,
  then the HTML body.

Post i depends only on (seed, i, its date), so the same seed gives a byte-identical site, and
`make_post` can make extra posts (as run.py does for "100 posts added") with the same shape.
Standard library only.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import time
from datetime import datetime, timedelta, timezone

TZ = timezone(timedelta(hours=8))
START = datetime(2022, 1, 1, tzinfo=TZ)  # posts are spread over two years from here
SPAN_SECONDS = int((datetime(2024, 1, 1, tzinfo=TZ) - START).total_seconds())
HOST = "finews.withounder.com"

CONFIG_YML = """\
theme: jekyll-theme-minimal

lang: zh-CN
title: 金融消息
show_downloads: false
safe: true
url: https://finews.withounder.com
enforce_ssl: finews.withounder.com
timezone: Asia/Shanghai
author: ZNing

plugins:
  - jekyll-feed
"""

# (front matter `categories` value, Chinese media name). The tag of a category is name + "新闻",
# as in the seed (yinchuanxinwenwang -> 银川新闻网新闻). 60 entries.
CATEGORIES: list[tuple[str, str]] = [
    ("yinchuanxinwenwang", "银川新闻网"),
    ("zhongguozhengquanbao", "中国证券报"),
    ("shanghaizhengquanbao", "上海证券报"),
    ("zhengquanshibao", "证券时报"),
    ("zhengquanribao", "证券日报"),
    ("jingjicankaobao", "经济参考报"),
    ("diyicaijing yicaiAPP", "第一财经"),
    ("21shijijingjibaodao 21caijingAPP", "21世纪经济报道"),
    ("meirijingjixinwen meijingAPP", "每日经济新闻"),
    ("jingjiguanchabao", "经济观察报"),
    ("zhongguojingjiwang", "中国经济网"),
    ("xinhuawang", "新华网"),
    ("renminwang", "人民网"),
    ("yangshixinwen", "央视新闻"),
    ("zhongxinwang", "中新网"),
    ("caixinwang", "财新网"),
    ("xinjingbao", "新京报"),
    ("pengpaixinwen", "澎湃新闻"),
    ("jiemianxinwen", "界面新闻"),
    ("huaxiashibao", "华夏时报"),
    ("zhongguojijinbao", "中国基金报"),
    ("jinrongshibao", "金融时报"),
    ("zhongguoyinhangbaoxianbao", "中国银行保险报"),
    ("jingjiribao", "经济日报"),
    ("guangmingwang", "光明网"),
    ("zhongguoxinwenwang", "中国新闻网"),
    ("beijingshangbao", "北京商报"),
    ("shanghaizhengquanbao zhongguozhengquanwang", "中国证券网"),
    ("dongfangcaifuwang", "东方财富网"),
    ("tiantianjijinwang", "天天基金网"),
    ("zhitongcaijing", "智通财经"),
    ("gelonghui", "格隆汇"),
    ("cailianshe", "财联社"),
    ("xinlangcaijing", "新浪财经"),
    ("tengxuncaijing", "腾讯财经"),
    ("fenghuangwangcaijing", "凤凰网财经"),
    ("hexunwang", "和讯网"),
    ("zhongjinzaixian", "中金在线"),
    ("qihuoribao", "期货日报"),
    ("zhongguojingyingbao", "中国经营报"),
    ("xinkuaibao", "新快报"),
    ("nanfangdushibao", "南方都市报"),
    ("guangzhouribao", "广州日报"),
    ("shenzhenshangbao", "深圳商报"),
    ("changjiangshangbao", "长江商报"),
    ("hubeiribao", "湖北日报"),
    ("sichuanzaixian", "四川在线"),
    ("zhejiangzaixian", "浙江在线"),
    ("jiangsuxinwen", "江苏新闻"),
    ("dazhongwang", "大众网"),
    ("hainanribao", "海南日报"),
    ("ningxiaribao", "宁夏日报"),
    ("anxinguojizhengquan(xianggang)", "安信国际证券(香港)"),
    ("guotaijunanguoji(xianggang)", "国泰君安国际(香港)"),
    ("zhongyinguoji(xianggang)", "中银国际(香港)"),
    ("huataijinrongkonggu(xianggang)", "华泰金融控股(香港)"),
    ("haitongguoji(xianggang)", "海通国际(香港)"),
    ("gangguyidiantong", "港股易点通"),
    ("meiguyidiantong", "美股易点通"),
    ("waihuizhijia", "外汇之家"),
]
# The 8 tags that are not a category's own tag (68 distinct tags in all).
EXTRA_TAGS = ["东财滚动新闻", "港股", "A股", "银行", "基金", "新能源", "宏观经济", "房地产"]
CATEGORY_TAGS = [name + "新闻" for _, name in CATEGORIES]
ALL_TAGS = CATEGORY_TAGS + EXTRA_TAGS
# Where the digest of a blockquote post comes from, as in the corpus: "（上海证券报）".
DIGEST_SOURCES = ["上海证券报", "中国证券报", "证券时报", "央视新闻客户端", "新华社", "财联社"]

STOCKS = [  # (market, code, name): 1 = Shanghai, 0 = Shenzhen, 116 = HK, 105/106 = US
    ("1", "601336", "新华保险"),
    ("1", "600160", "巨化股份"),
    ("0", "300343", "联创股份"),
    ("1", "600636", "国新文化"),
    ("1", "600519", "贵州茅台"),
    ("0", "000858", "五粮液"),
    ("1", "601318", "中国平安"),
    ("1", "600036", "招商银行"),
    ("0", "000001", "平安银行"),
    ("0", "300750", "宁德时代"),
    ("0", "002594", "比亚迪"),
    ("1", "601012", "隆基绿能"),
    ("1", "600900", "长江电力"),
    ("1", "601398", "工商银行"),
    ("1", "601988", "中国银行"),
    ("0", "000333", "美的集团"),
    ("0", "000651", "格力电器"),
    ("1", "600276", "恒瑞医药"),
    ("0", "300059", "东方财富"),
    ("1", "601899", "紫金矿业"),
    ("116", "00700", "腾讯控股"),
    ("116", "02888", "渣打集团"),
    ("116", "09988", "阿里巴巴-SW"),
    ("106", "NIO", "蔚来"),
    ("105", "AAPL", "苹果"),
    ("0", "002415", "海康威视"),
    ("1", "600030", "中信证券"),
    ("1", "601166", "兴业银行"),
    ("0", "000002", "万科A"),
    ("1", "600048", "保利发展"),
]
BOARDS = [
    ("90.BK0493", "新能源"),
    ("90.BK0473", "证券"),
    ("90.BK0475", "银行"),
    ("90.BK0839", "知识产权"),
    ("90.BK0451", "房地产开发"),
    ("90.BK0727", "医疗服务"),
]

SUBJECTS = [
    "公司",
    "该行",
    "监管部门",
    "业内人士",
    "分析师",
    "记者",
    "多家券商",
    "市场人士",
    "投资者",
    "基金经理",
    "上市公司",
    "保险公司",
    "外资机构",
    "研究机构",
    "交易所",
]
TITLE_HEADS = [
    "央行",
    "证监会",
    "银保监会",
    "国家统计局",
    "沪深交易所",
    "北向资金",
    "A股三大指数",
    "港股",
    "人民币汇率",
    "国际油价",
    "黄金",
    "公募基金",
    "私募",
    "新能源车企",
    "房企",
    "保险业",
    "券商",
    "银行业",
    "外汇局",
    "商务部",
]
TITLE_TAILS = [
    "发布最新数据",
    "维持增持评级 目标价上调",
    "前三季度营收同比增长",
    "释放积极信号",
    "加大支持实体经济力度",
    "出台新规",
    "午后震荡走高",
    "净流入超百亿元",
    "回应市场关切",
    "业绩超预期",
    "拟募资扩产",
    "从客户的角度来做好每一单",
    "“入世”20年成绩斐然",
    "稳中求进",
    "一季度开门红",
    "推进高质量发展",
    "收盘涨逾2%",
    "创年内新高",
    "评级获上调",
    "布局数字化转型",
]
# Sentence templates; {n} becomes a number, {p} a percentage, {s} a subject, {y} a year.
SENTENCES = [
    "{s}表示，今年以来经营情况总体平稳，主要指标符合预期。",
    "数据显示，前三季度实现营业收入{n}亿元，同比增长{p}%。",
    "{y}年是推进高质量发展的关键一年，各项改革举措正在加快落地。",
    "{s}认为，随着稳增长政策持续发力，经济有望继续保持恢复态势。",
    "截至发稿，该股报{n}元，总市值约{n}亿元，年内累计上涨{p}%。",
    "据了解，相关项目总投资约{n}亿元，预计将于{y}年底前建成投产。",
    "“我们始终坚持以客户为中心，把服务做到每一个细节。”{s}说。",
    "从行业层面看，龙头企业的市场份额进一步提升，集中度持续提高。",
    "{s}指出，短期市场波动不改长期向好的基本面，建议投资者理性看待。",
    "另据统计，当月新增贷款{n}亿元，社会融资规模增量为{n}亿元。",
    "业内人士分析称，政策效果将逐步显现，下半年经济增速有望回升。",
    "公告显示，公司拟以自有资金不超过{n}亿元回购股份，用于员工持股计划。",
    "在一个接一个客户的拜访后，他的经验越来越丰富，服务也越来越细致。",
    "值得注意的是，北向资金当日净买入{n}亿元，连续多个交易日呈净流入状态。",
    "{s}透露，公司正在加大研发投入，研发费用占营业收入的比例达到{p}%。",
    "受此消息影响，板块内多只个股盘中大幅拉升，成交额明显放大。",
    "与此同时，监管层多次强调要防范化解重大金融风险，守住不发生系统性风险的底线。",
    "据悉，这也标志着该公司成为国内首家实现相关技术量产的企业。",
    "{s}预计，全年净利润将达到{n}亿元至{n}亿元，同比增长{p}%至{p}%。",
    "报告期内，公司经营活动产生的现金流量净额为{n}亿元，财务状况稳健。",
    "针对市场传闻，{s}在投资者互动平台回应称，目前生产经营一切正常。",
    "随着消费场景逐步恢复，餐饮、旅游、文娱等行业的需求正在回暖。",
    "就这样，他从幕后走到前线，用专业和真诚赢得了客户的信任。",
    "{s}建议，下一阶段应继续加大对小微企业和民营企业的金融支持力度。",
    "分区域看，东部地区增长{p}%，中部地区增长{p}%，西部地区增长{p}%。",
    "据海关统计，{y}年进出口总值{n}万亿元，同比增长{p}%，规模再创新高。",
    "多位受访人士表示，新产品带来新的机会，未来市场空间巨大。",
    "在{s}看来，提升服务质量是行业转型发展的必由之路。",
]
SUBHEADS = [
    "保险的“受伤者”",
    "换位思考服务客户",
    "从幕后转战前线",
    "没打算离开这个行业",
    "什么是新型制冷剂",
    "这些公司有相关产品",
    "业绩增长的背后",
    "政策持续加码",
    "机构观点",
    "后市展望",
]
SOURCE_HOSTS = ["finance"] * 12 + ["hk"] * 4 + ["stock"] * 2 + ["forex", "futures"]


def post_times(n: int, seed: int) -> list[datetime]:
    """`n` increasing post times, spread evenly (with jitter) over 2022-01-01 .. 2023-12-31."""
    rng = random.Random(f"{seed}:dates")
    step = SPAN_SECONDS / max(n, 1)
    return [START + timedelta(seconds=int((i + rng.random()) * step)) for i in range(n)]


def post_id(index: int, when: datetime) -> str:
    """An 18-digit id like the scrapers': YYYYMMDD + 10 digits, unique per index."""
    return f"{when:%Y%m%d}{2000000000 + index:010d}"


def _sentence(rng: random.Random) -> str:
    text = rng.choice(SENTENCES)
    if "{" not in text:
        return text
    return text.format_map(_Slots(rng))


class _Slots(dict[str, str]):
    def __init__(self, rng: random.Random) -> None:
        super().__init__()
        self.rng = rng

    def __missing__(self, key: str) -> str:
        rng = self.rng
        if key == "n":
            return str(rng.randint(1, 9999))
        if key == "p":
            return f"{rng.randint(1, 99)}.{rng.randint(0, 9)}"
        if key == "s":
            return rng.choice(SUBJECTS)
        return str(rng.choice((2021, 2022, 2023)))


def _stock_span(rng: random.Random) -> str:
    market, code, name = rng.choice(STOCKS)
    if rng.random() < 0.5:
        return (
            f'<span id="stock_{market}.{code}"><a href="http://quote.eastmoney.com/unify/r/'
            f'{market}.{code}" class="keytip" data-code="{market},{code}">{name}</a></span>'
            f'<span id="quote_{market}.{code}"></span>'
        )
    board, bname = rng.choice(BOARDS)
    return (
        f'<span web="1" href="http://quote.eastmoney.com/unify/r/{board}" '
        f'class="em_stock_key_common" data-code="{board.replace(".", ",")}">{bname}</span>'
    )


def _paragraph(rng: random.Random) -> str:
    parts = [_sentence(rng) for _ in range(rng.randint(1, 4))]
    if rng.random() < 0.15:
        parts.insert(rng.randrange(len(parts)), _stock_span(rng))
    return "".join(parts)


def _widget(rng: random.Random) -> str:
    market, code, _ = rng.choice(STOCKS)
    return (
        '<p style="display:none;height:1px;overflow:hidden;"><br /></p><!-- EM_StockImg_Start -->'
        f'<p style="text-align:center;"><a href="http://quote.eastmoney.com/unify/r/{market}.{code}"'
        f' data-code="{code}|{market}|1" data-code2="{code}|{market}|2|" class="EmImageRemark"'
        ' target="_blank"><img src="https://webquoteklinepic.eastmoney.com/GetPic.aspx?nid='
        f'{market}.{code}&imageType=k&token=28dfeb41d35cc81d84b4664d7c23c49f&at=1" border="0"'
        f' alt="K图 {code}_0" data-code="K {code}|{market}|1" data-code2="K {code}|{market}|2|"'
        ' style="border:#d1d1d1 1px solid;" width="578" height="276" /></a></p>'
        "<!-- EM_StockImg_End -->"
    )


def _image(rng: random.Random) -> str:
    return (
        '<center><img src="https://dfscdn.dfcfw.com/download/'
        f'D{rng.randrange(10**22, 10**23)}_w800h{rng.randint(180, 600)}.jpg" alt="Image"'
        ' width="552" style="border:#d1d1d1 1px solid;padding:3px;margin:5px 0;" /></center>'
    )


def make_post(seed: int, index: int, when: datetime) -> tuple[str, str]:
    """(file name, file text) of post `index`, dated `when` (an aware datetime)."""
    rng = random.Random(f"{seed}:post:{index}")
    pid = post_id(index, when)
    cat_value, media = CATEGORIES[rng.randrange(len(CATEGORIES))]
    own_tag = media + "新闻"
    if rng.random() < 0.10:
        others = rng.sample([t for t in ALL_TAGS if t != own_tag], rng.randint(1, 2))
        tags = "[" + ", ".join([own_tag, *others]) + "]"
    else:
        tags = own_tag
    title = f"{rng.choice(TITLE_HEADS)}：{rng.choice(TITLE_TAILS)}"
    if rng.random() < 0.3:
        title += f" {rng.choice(SUBJECTS)}{rng.choice(TITLE_TAILS)}"

    target = rng.randint(2000, 6000)  # body bytes, roughly
    paras: list[str] = [_widget(rng), f"<p>{_paragraph(rng)}<br /></p>"]
    size = sum(len(p.encode()) for p in paras) + 400  # + source, footer
    while size < target:
        r = rng.random()
        if r < 0.08:
            para = f"<p><strong>{rng.choice(SUBHEADS)}</strong></p>"
        elif r < 0.12:
            para = _image(rng)
        else:
            para = f"<p>{_paragraph(rng)}</p>"
        sep = "\n " if rng.random() < 0.6 else ""
        paras.append(sep + para)
        size += len(para.encode()) + len(sep)
    paras.append(f'<p class="em_media">（文章来源：{media}）</p>')
    host = rng.choice(SOURCE_HOSTS)
    if rng.random() < 0.7:
        source = f"http://{host}.eastmoney.com/a/{pid}.html"
    else:
        source = f"http://{host}.eastmoney.com/news/1350,{pid}.html"
    category_slug = cat_value.split()[0]
    footer = f"[返回{own_tag}](//{HOST}/category/{category_slug}.html)｜[返回首页](//{HOST}/)"
    body = f"{''.join(paras)}\n\n<{source}>\n\n{footer}"
    if rng.random() < 0.05:  # blockquote digest, then the HTML body
        digest = "".join(_sentence(rng) for _ in range(rng.randint(1, 3)))
        body = f"> {digest}（{rng.choice(DIGEST_SOURCES)}）\n\n{body}"

    text = (
        "---\nlayout: post\n"
        f'title: "{title}"\n'
        f"date: {when:%Y-%m-%d %H:%M:%S} +0800\n"
        f"categories: {cat_value}\n"
        f"tags: {tags}\n"
        f"---\n{body}"
    )
    return f"{when:%Y-%m-%d}-{pid}.md", text


def write_post(posts_dir: str, name: str, text: str) -> None:
    with open(os.path.join(posts_dir, name), "wb") as f:
        f.write(text.encode("utf-8"))


def write_site(n: int, out_dir: str, seed: int = 0) -> None:
    """Write `_config.yml` and `n` posts into `out_dir` (its `_posts/` must not exist)."""
    posts_dir = os.path.join(out_dir, "_posts")
    os.makedirs(posts_dir)
    with open(os.path.join(out_dir, "_config.yml"), "wb") as f:
        f.write(CONFIG_YML.encode("utf-8"))
    for index, when in enumerate(post_times(n, seed)):
        name, text = make_post(seed, index, when)
        write_post(posts_dir, name, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of posts")
    parser.add_argument("out_dir", help="site folder to write (_config.yml, _posts/)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--force", action="store_true", help="replace an existing _posts/")
    args = parser.parse_args(argv)
    posts_dir = os.path.join(args.out_dir, "_posts")
    if os.path.exists(posts_dir):
        if not args.force:
            parser.error(f"{posts_dir} exists; pass --force to replace it")
        shutil.rmtree(posts_dir)
    os.makedirs(args.out_dir, exist_ok=True)
    started = time.perf_counter()
    write_site(args.n, args.out_dir, args.seed)
    print(
        f"wrote {args.n} posts to {posts_dir} in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
