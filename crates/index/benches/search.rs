//! Search latency on a generated index of 1,000,000 proposals.
//!
//! ```sh
//! cargo bench -p sborka-index --bench search
//! SBORKA_BENCH_PROPOSALS=50000 cargo bench -p sborka-index --bench search   # a quick run
//! ```
//!
//! The proposals come from a seeded generator over a few hundred Russian
//! phrase pieces (a third of them repeat an earlier idea, so grouping has
//! work to do). The index is built once and cached under the target folder
//! (`sborka-bench/`); 1,000 mixed queries (single words, phrases, two words,
//! exclusions, OR, facet filters) are then timed one by one after a warm-up,
//! and p50/p99 reported against the targets (p50 ≤ 2 ms, p99 ≤ 20 ms). Each
//! result is checked: a filtered query's hits all carry the facet, a word's
//! hits hold the word, an excluded word's never do.

// It prints what it finds: the rule against printing is for libraries.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use sborka_core::{
    Catalog, Cluster, ClusterId, DistrictId, Facet, Kind, Label, Level, Proposal, Provenance,
    ThemeId, Value,
};
use sborka_index::{BuildOptions, Query, Searcher};
use sborka_text::{Analyzer, Lexicon, Morphology};

const SEED: u64 = 2018;
const QUERIES: usize = 1000;
const WARMUP: usize = 200;

use sborka_testkit::SplitMix64 as Rng;

const VERBS: &[&str] = &[
    "Создать",
    "Организовать",
    "Открыть",
    "Развивать",
    "Обеспечить",
    "Внедрить",
    "Расширить",
    "Поддержать",
    "Закрепить в законе",
    "Ввести",
    "Увеличить финансирование",
    "Упростить",
    "Сократить сроки",
    "Разработать программу",
    "Финансировать",
    "Стимулировать",
    "Запустить",
    "Наладить",
    "Гарантировать",
    "Компенсировать",
    "Проводить",
    "Внести изменения в порядок",
    "Предусмотреть",
    "Оснастить",
    "Модернизировать",
    "Вовлекать",
    "Обучать",
    "Привлекать",
    "Субсидировать",
    "Освободить от налога",
    "Признать",
    "Учитывать",
    "Закупить",
    "Перевести в электронный вид",
    "Повысить доступность",
    "Отменить ограничения",
    "Установить норматив",
    "Выделить гранты",
    "Разрешить",
    "Обязать",
];

const OBJECTS: &[&str] = &[
    "службу сиделок",
    "пункт проката технических средств реабилитации",
    "школу ухода",
    "мобильные бригады",
    "электронную очередь",
    "центр дневного пребывания",
    "социальное такси",
    "систему долговременного ухода",
    "приёмные семьи для пожилых",
    "патронажную службу",
    "волонтёрские центры",
    "ресурсные центры НКО",
    "клубы активного долголетия",
    "университеты третьего возраста",
    "социальные кафе",
    "ярмарки вакансий",
    "наставничество",
    "сопровождаемое проживание",
    "инклюзивные мастерские",
    "ранняя помощь",
    "социальные контракты",
    "адресную помощь",
    "горячую линию",
    "единый реестр получателей",
    "независимую оценку качества",
    "стандарты социальных услуг",
    "выездные консультации",
    "дистанционное обучение",
    "реабилитационные центры",
    "доступную среду",
    "пандусы и подъёмники",
    "тифлокомментирование",
    "сурдопереводчиков",
    "кружки и секции",
    "семейные центры",
    "кризисные квартиры",
    "жильё для выпускников",
    "бесплатную юридическую помощь",
    "психологическую поддержку",
    "группы взаимопомощи",
    "программы переподготовки",
    "стажировки",
    "квоты для трудоустройства",
    "социальные предприятия",
    "сертификаты на услуги",
    "социальные выплаты",
    "льготный проезд",
    "новогоднюю ёлку",
    "летний отдых",
    "санаторное лечение",
    "обеды на дому",
    "доставку лекарств",
    "телемедицинские консультации",
    "тревожные кнопки",
    "цифровые сервисы",
    "портал госуслуг",
    "межведомственное взаимодействие",
    "обмен данными",
    "кадровый резерв",
    "повышение зарплаты соцработников",
    "обучение специалистов",
    "аттестацию специалистов",
    "профессиональные стандарты",
    "конкурсы профмастерства",
    "гранты для НКО",
    "имущественную поддержку НКО",
    "государственно-частное партнёрство",
    "муниципальные программы",
    "региональные стандарты",
    "федеральный закон",
    "методические рекомендации",
    "мониторинг потребностей",
    "оценку нуждаемости",
    "индивидуальные программы",
    "семейный отдых",
    "детские лагеря",
    "спортивные площадки",
    "культурные программы",
    "экскурсии",
    "библиотеки",
];

const FOR_WHOM: &[&str] = &[
    "для пожилых граждан",
    "для одиноких пожилых",
    "для инвалидов",
    "для детей-инвалидов",
    "для многодетных семей",
    "для молодых семей",
    "для выпускников интернатов",
    "для детей-сирот",
    "для ветеранов",
    "для малоимущих",
    "для безработных",
    "для людей с ментальными нарушениями",
    "для семей с детьми",
    "для подростков",
    "для молодёжи",
    "для женщин с детьми",
    "для участников боевых действий",
    "для граждан предпенсионного возраста",
    "для бездомных",
    "для мигрантов",
    "для жителей села",
    "для семей в трудной ситуации",
    "для приёмных родителей",
    "для опекунов",
    "для родственников, ухаживающих за больными",
    "для волонтёров",
    "для социальных работников",
    "для специалистов НКО",
    "для студентов",
    "для школьников",
    "для людей с нарушением слуха",
    "для незрячих",
    "для колясочников",
    "для пенсионеров",
    "для долгожителей",
    "для граждан без определённого места жительства",
];

const WHERE: &[&str] = &[
    "в каждом районе",
    "в каждом муниципалитете",
    "в сельской местности",
    "в малых городах",
    "в отдалённых посёлках",
    "в региональном центре",
    "на дому",
    "без очереди",
    "без личного визита",
    "бесплатно",
    "за счёт бюджета",
    "на условиях софинансирования",
    "в шаговой доступности",
    "круглосуточно",
    "в выходные дни",
    "в онлайн-формате",
    "при поликлиниках",
    "при школах",
    "при центрах соцобслуживания",
    "в домах культуры",
    "на базе НКО",
    "на базе библиотек",
    "в многофункциональных центрах",
    "по месту жительства",
    "в труднодоступных районах",
    "в арктических территориях",
    "на Дальнем Востоке",
    "в моногородах",
    "в новых микрорайонах",
    "в каждом субъекте",
];

const WHY: &[&str] = &[
    "",
    "",
    "",
    "чтобы снизить нагрузку на семьи",
    "чтобы сократить очереди",
    "чтобы повысить качество услуг",
    "чтобы люди оставались дома",
    "для профилактики одиночества",
    "для раннего выявления нуждаемости",
    "с участием волонтёров",
    "с привлечением бизнеса",
    "по принципу одного окна",
    "с обратной связью от получателей",
    "с ежегодной отчётностью",
    "с учётом мнения получателей",
    "без увеличения бумажной отчётности",
    "на конкурсной основе",
    "по единым стандартам",
    "с контролем качества",
    "и закрепить это в региональной программе",
];

/// One generated proposal with its idea.
struct Generated {
    proposals: Vec<Proposal>,
    clusters: Vec<ClusterId>,
}

fn generate(n: usize, catalog: &Catalog) -> Generated {
    let mut rng = Rng(SEED);
    let districts = catalog.districts().len();
    let themes = catalog.themes().len();
    let regions: Vec<(u8, Option<DistrictId>)> = catalog
        .regions()
        .iter()
        .map(|r| {
            let code = sborka_core::RegionCode(r.code);
            (r.code, catalog.region_district(code))
        })
        .collect();
    let mut ideas: Vec<String> = Vec::new();
    let mut proposals = Vec::with_capacity(n);
    let mut clusters = Vec::with_capacity(n);
    for record in 0..n {
        // A third repeat an earlier idea, as sessions in several districts do.
        let text = if !ideas.is_empty() && rng.below(3) == 0 {
            ideas[rng.below(ideas.len())].clone()
        } else {
            let mut t = format!(
                "{} {} {} {}",
                *rng.pick(VERBS),
                *rng.pick(OBJECTS),
                *rng.pick(FOR_WHOM),
                *rng.pick(WHERE)
            );
            let why = *rng.pick(WHY);
            if !why.is_empty() {
                t.push(' ');
                t.push_str(why);
            }
            ideas.push(t.clone());
            t
        };
        let district = DistrictId(rng.below(districts) as u8);
        let mut p = Proposal::new(
            Provenance {
                file: format!("gen-{}.csv", district.0).into(),
                record: record as u64 + 1,
                line: record as u64 + 2,
                ..Default::default()
            },
            text.clone(),
        );
        p.facets.district = Label::Known(district);
        let in_district: Vec<u8> = regions
            .iter()
            .filter(|(_, d)| *d == Some(district))
            .map(|(c, _)| *c)
            .collect();
        if !in_district.is_empty() && rng.below(4) != 0 {
            p.facets.region = Label::Known(sborka_core::RegionCode(
                in_district[rng.below(in_district.len())],
            ));
        }
        p.facets.theme = Label::Known(ThemeId(rng.below(themes) as u8));
        p.facets.level = Label::Known(Level::ALL[rng.below(Level::ALL.len())]);
        p.facets.kind = Label::Known(Kind::ALL[rng.below(Kind::ALL.len())]);
        p.facets.year = Some(if rng.below(2) == 0 { 2017 } else { 2018 });
        clusters.push(ClusterId(sborka_core::stable_hash(text.as_bytes())));
        proposals.push(p);
    }
    Generated {
        proposals,
        clusters,
    }
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

/// The cached index, built when missing.
fn index(n: usize, catalog: &Catalog) -> PathBuf {
    let dir = target_dir()
        .join("sborka-bench")
        .join(format!("search-f{}-n{n}-s{SEED}", sborka_index::FORMAT));
    let done = dir.join("complete");
    if done.exists() && Searcher::open(&dir, catalog).is_ok() {
        eprintln!("index: cached at {}", dir.display());
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    let started = Instant::now();
    let g = generate(n, catalog);
    eprintln!("generated {n} proposals in {:.1?}", started.elapsed());
    // Clusters in the order they first appear, members in order.
    let mut clusters: Vec<Cluster> = Vec::new();
    let mut number: HashMap<u64, usize> = HashMap::new();
    for (i, c) in g.clusters.iter().enumerate() {
        let k = *number.entry(c.0).or_insert_with(|| {
            clusters.push(Cluster {
                id: *c,
                members: Vec::new(),
                representative: i as u32,
                verbatim: 0,
            });
            clusters.len() - 1
        });
        clusters[k].members.push(i as u32);
    }
    let started = Instant::now();
    let options = BuildOptions {
        // As `sborka build` cuts it on two threads.
        parts: 8,
        memory: 1_000_000_000,
        ..BuildOptions::default()
    };
    sborka_index::build(&dir, &g.proposals, &clusters, catalog, &options)
        .expect("the bench index builds");
    std::fs::write(&done, "").expect("marker written");
    eprintln!(
        "index: built {n} proposals in {:.1?} at {}",
        started.elapsed(),
        dir.display()
    );
    dir
}

/// A query and what every hit must satisfy.
struct Case {
    /// What kind of query, for the per-kind figures.
    kind: &'static str,
    query: Query,
    /// Words every hit's text must hold (one of each word's terms: the
    /// lemmas of an ambiguous word), unless the lexicon added to the
    /// query; terms no hit may hold.
    must: Vec<Vec<String>>,
    must_not: Vec<String>,
}

fn words_of(pieces: &[&[&str]]) -> Vec<String> {
    let mut words: Vec<String> = pieces
        .iter()
        .flat_map(|p| p.iter())
        .flat_map(|piece| piece.split_whitespace())
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string())
        .filter(|w| w.chars().count() > 3)
        .collect();
    words.sort();
    words.dedup();
    words
}

fn queries(catalog: &Catalog, analyzer: &Analyzer) -> Vec<Case> {
    let mut rng = Rng(SEED ^ 0x5eed);
    let words = words_of(&[VERBS, OBJECTS, FOR_WHOM, WHERE]);
    let phrases: Vec<&str> = OBJECTS
        .iter()
        .chain(FOR_WHOM)
        .chain(WHERE)
        .copied()
        .filter(|p| p.split_whitespace().count() >= 2)
        .collect();
    let stem = |w: &str| analyzer.words(w);
    let districts = catalog.values(Facet::District);
    let themes = catalog.values(Facet::Theme);
    let mut out = Vec::with_capacity(WARMUP + QUERIES);
    for _ in 0..WARMUP + QUERIES {
        let word = words[rng.below(words.len())].clone();
        let kind = rng.below(20);
        let mut case = match kind {
            // Single words.
            0..=7 => Case {
                kind: "word",
                must: stem(&word),
                query: Query::new(&word),
                must_not: vec![],
            },
            // Phrases.
            8..=11 => {
                let phrase = phrases[rng.below(phrases.len())];
                Case {
                    kind: "phrase",
                    query: Query::new(&format!("\"{phrase}\"")),
                    must: stem(phrase),
                    must_not: vec![],
                }
            }
            // Two words.
            12..=13 => {
                let other = words[rng.below(words.len())].clone();
                let mut must = stem(&word);
                must.extend(stem(&other));
                Case {
                    kind: "two words",
                    query: Query::new(&format!("{word} {other}")),
                    must,
                    must_not: vec![],
                }
            }
            // An exclusion.
            14 => {
                let other = words[rng.below(words.len())].clone();
                Case {
                    kind: "exclusion",
                    query: Query::new(&format!("{word} -{other}")),
                    must: stem(&word),
                    must_not: analyzer.terms(&other),
                }
            }
            // OR: checked through the facets only.
            15 => {
                let other = words[rng.below(words.len())].clone();
                Case {
                    kind: "OR + facets",
                    query: Query::new(&format!("{word} OR {other}")),
                    must: vec![],
                    must_not: vec![],
                }
            }
            // A word with facet filters.
            _ => Case {
                kind: "word + facets",
                must: stem(&word),
                query: Query::new(&word),
                must_not: vec![],
            },
        };
        if kind >= 15 {
            let filters = &mut case.query.filters;
            filters.set(districts[rng.below(districts.len())]);
            if rng.below(2) == 0 {
                filters.set(themes[rng.below(themes.len())]);
            }
            if rng.below(2) == 0 {
                filters.set(Value::Level(Level::ALL[rng.below(3)]));
            }
            if rng.below(3) == 0 {
                filters.set(Value::Year(2017 + rng.below(2) as u16));
            }
        }
        // Exact only: the fallback would loosen what the checks expect.
        case.query.fuzzy_fallback = false;
        out.push(case);
    }
    out
}

/// Panics unless every hit satisfies the case.
fn check(case: &Case, results: &sborka_index::Results, analyzer: &Analyzer) {
    let q = &case.query;
    assert!(results.ideas <= results.proposals, "{:?}", q.text);
    assert!(results.hits.len() <= q.limit);
    assert!(
        results.hits.windows(2).all(|w| w[0].score >= w[1].score),
        "{:?}: hits by score",
        q.text
    );
    let mut clusters: Vec<ClusterId> = results.hits.iter().map(|h| h.cluster).collect();
    clusters.sort_unstable();
    clusters.dedup();
    assert_eq!(
        clusters.len(),
        results.hits.len(),
        "{:?}: one hit per idea",
        q.text
    );
    for hit in &results.hits {
        // A grouped hit shows the idea's representative, which has the
        // same words as every member (exact clustering) but maybe other
        // facets: only the words are checked on it.
        let terms = analyzer.terms(&hit.text);
        // A word of a lexicon family may be found by another form.
        for word in case.must.iter().filter(|_| results.expanded.is_empty()) {
            assert!(
                word.iter().any(|t| terms.contains(t)),
                "{:?}: {word:?} missing in {:?}",
                q.text,
                hit.text
            );
        }
        for t in &case.must_not {
            assert!(
                !terms.contains(t),
                "{:?}: {t} present in {:?}",
                q.text,
                hit.text
            );
        }
        if let Some(district) = q.filters.get(Facet::District) {
            assert!(
                hit.districts.contains(&district),
                "{:?}: district {district:?} not in {:?}",
                q.text,
                hit.districts
            );
        }
        assert!(
            !hit.highlights.is_empty() || case.must.is_empty(),
            "{:?}: highlights",
            q.text
        );
    }
}

/// Facet filters checked on the proposals themselves (`all`), not ideas.
fn check_all(q: &Query, results: &sborka_index::Results) {
    for hit in &results.hits {
        for want in q.filters.values() {
            assert_eq!(
                hit.facets.get(want.facet()),
                Some(want),
                "{:?}: facet",
                q.text
            );
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    // `cargo test --benches` runs this with no argument to see that it
    // builds; only `cargo bench` (which passes --bench) measures.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let n: usize = std::env::var("SBORKA_BENCH_PROPOSALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let catalog = Catalog::embedded();
    // The index's analysis: lemmas.
    let analyzer = Analyzer::lemmatizing(Morphology::shared().expect("the dictionary loads"));
    let dir = index(n, &catalog);
    let searcher = Searcher::open(&dir, &catalog)
        .expect("the bench index opens")
        .with_lexicon(&Lexicon::embedded());
    assert_eq!(searcher.len(), n as u64);
    let cases = queries(&catalog, &analyzer);

    let mut times = Vec::with_capacity(QUERIES);
    let mut by_kind: std::collections::BTreeMap<&str, Vec<Duration>> = Default::default();
    let mut with_hits = 0;
    for (i, case) in cases.iter().enumerate() {
        let started = Instant::now();
        let results = searcher.search(&case.query).expect("the query runs");
        let took = started.elapsed();
        check(case, &results, &analyzer);
        if i >= WARMUP {
            times.push(took);
            by_kind.entry(case.kind).or_default().push(took);
            with_hits += usize::from(!results.hits.is_empty());
        }
        if case.query.filters.get(Facet::District).is_some() && i % 5 == 0 {
            let mut all = case.query.clone();
            all.all = true;
            check_all(&all, &searcher.search(&all).expect("the query runs"));
        }
    }
    assert!(
        with_hits > QUERIES / 2,
        "most queries find something: {with_hits}"
    );
    times.sort_unstable();
    for (kind, mut t) in by_kind {
        t.sort_unstable();
        println!(
            "  {kind:>14}: {:>4} queries, p50 {:.2} ms, p99 {:.2} ms",
            t.len(),
            percentile(&t, 0.5).as_secs_f64() * 1e3,
            percentile(&t, 0.99).as_secs_f64() * 1e3
        );
    }
    let p50 = percentile(&times, 0.50);
    let p99 = percentile(&times, 0.99);
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    let ok = |v: Duration, target: u64| {
        if v <= Duration::from_millis(target) {
            "met"
        } else {
            "MISSED"
        }
    };
    println!(
        "search: {n} proposals, {QUERIES} queries ({with_hits} with hits): p50 {:.2} ms ({} ≤ 2 ms), p99 {:.2} ms ({} ≤ 20 ms), mean {:.2} ms, max {:.2} ms",
        p50.as_secs_f64() * 1e3,
        ok(p50, 2),
        p99.as_secs_f64() * 1e3,
        ok(p99, 20),
        mean.as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
    );
}
