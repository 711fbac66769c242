//! Normalizing and clustering generated proposals at 10k, 100k and 1M.
//!
//!     cargo bench -p sborka-dedup --bench dedup                 # 10000 100000 1000000
//!     cargo bench -p sborka-dedup --bench dedup -- 100000       # one size
//!
//! Each size runs in a child process so that its peak memory (VmHWM) is its
//! own. The generator is seeded and self-contained: ideas are a template
//! (action, object, group, figure, place) with three idea-specific rare
//! words, written in several ways (boilerplate openings, list numbers, word
//! order, abbreviation or full form, ё/е, quotes, a typo) and sometimes
//! pasted verbatim. The bench checks its own result: a fast wrong answer
//! fails it (at least 97% of texts in a cluster whose majority idea is
//! theirs, and at most 1.6 clusters per generated idea). It also prints a
//! digest of the clustering (members, representatives, ids), so that a
//! change meant only to be faster can be shown to change no cluster.

// It prints what it finds: the rule against printing is for libraries.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::Command;
use std::time::Instant;

use sborka_dedup::Deduper;

use sborka_testkit::SplitMix64 as Rng;

const ACTIONS: [(&str, &str); 6] = [
    ("Создать", "Организовать"),
    ("Обеспечить", "Обеспечивать"),
    ("Ввести", "Ввести"),
    ("Развивать", "Развивать"),
    ("Продлить", "Увеличить"),
    ("Открыть", "Создать"),
];
/// (short form, full form) of the same thing.
const OBJECTS: [(&str, &str); 6] = [
    (
        "услуги КЦСОН",
        "услуги комплексных центров социального обслуживания населения",
    ),
    ("выдачу ТСР", "выдачу технических средств реабилитации"),
    ("прием в МФЦ", "прием в многофункциональных центрах"),
    (
        "поддержку СО НКО",
        "поддержку социально ориентированных некоммерческих организаций",
    ),
    (
        "освидетельствование МСЭ",
        "освидетельствование медико-социальной экспертизы",
    ),
    ("помощь соцработника", "помощь социального работника"),
];
const GROUPS: [(&str, &str); 5] = [
    ("для пожилых граждан", "для пенсионеров"),
    ("для инвалидов", "для людей с инвалидностью"),
    ("для многодетных семей", "для многодетных семей"),
    ("для детей-сирот", "для выпускников детских домов"),
    (
        "для граждан предпенсионного возраста",
        "для предпенсионеров",
    ),
];
const PLACES: [&str; 4] = [
    "в каждом районе",
    "в сельской местности",
    "во всех регионах",
    "в малых городах",
];
const OPENINGS: [&str; 6] = [
    "",
    "Предлагаем ",
    "Необходимо ",
    "Считаем целесообразным ",
    "3. ",
    "— ",
];
const SYLLABLES: [&str; 32] = [
    "ка", "ло", "ми", "ре", "ту", "на", "во", "зе", "би", "ро", "се", "ду", "па", "ле", "ни", "го",
    "ра", "ти", "мо", "ве", "жу", "фа", "хо", "це", "ша", "ю", "ля", "пи", "со", "ме", "ба", "ки",
];

/// One generated idea.
struct Idea {
    action: usize,
    object: usize,
    group: usize,
    place: usize,
    days: u32,
    words: [String; 3],
}

/// The 32 letters rare words begin with.
const LETTERS: [char; 32] = [
    'а', 'б', 'в', 'г', 'д', 'е', 'ж', 'з', 'и', 'к', 'л', 'м', 'н', 'о', 'п', 'р', 'с', 'т', 'у',
    'ф', 'х', 'ц', 'ч', 'ш', 'щ', 'э', 'ю', 'я', 'й', 'ы', 'ь', 'ъ',
];

/// A rare word of idea `idea`: its first four letters spell the idea's
/// number (so that ideas have words of their own, as real ones do: a
/// pseudo-word made of common syllables would make every idea share its
/// words with hundreds of others at 1M texts), then syllables.
fn pseudo_word(idea: usize, which: usize, rng: &mut Rng) -> String {
    let code = idea * 3 + which;
    let mut w: String = (0..4).map(|k| LETTERS[(code >> (5 * k)) & 31]).collect();
    for _ in 0..1 + rng.below(2) {
        w.push_str(rng.pick::<&str>(&SYLLABLES));
    }
    w.push_str(["ов", "ных", "ами", "ой"][rng.below(4)]);
    w
}

fn idea(index: usize, rng: &mut Rng) -> Idea {
    Idea {
        action: rng.below(ACTIONS.len()),
        object: rng.below(OBJECTS.len()),
        group: rng.below(GROUPS.len()),
        place: rng.below(PLACES.len()),
        days: [10, 30, 60, 90][rng.below(4)],
        words: [
            pseudo_word(index, 0, rng),
            pseudo_word(index, 1, rng),
            pseudo_word(index, 2, rng),
        ],
    }
}

/// One wording of an idea.
fn write(idea: &Idea, rng: &mut Rng) -> String {
    let action = if rng.below(2) == 0 {
        ACTIONS[idea.action].0
    } else {
        ACTIONS[idea.action].1
    };
    let object = if rng.below(2) == 0 {
        OBJECTS[idea.object].0
    } else {
        OBJECTS[idea.object].1
    };
    let group = if rng.below(2) == 0 {
        GROUPS[idea.group].0
    } else {
        GROUPS[idea.group].1
    };
    let place = PLACES[idea.place];
    let [a, b, c] = &idea.words;
    let body = match rng.below(3) {
        0 => format!(
            "{action} {object} {a} {b} {group} {place} на срок до {} дней с учетом {c}",
            idea.days
        ),
        1 => format!(
            "{place} {action} {group} {object} {a} {b} до {} дней с учетом {c}",
            idea.days
        ),
        _ => format!(
            "{action} {group} «{object}» {a} {b} {place}, срок до {} дней, с учетом {c}",
            idea.days
        ),
    };
    let opening = *rng.pick(&OPENINGS);
    let mut text = if opening.is_empty() || opening.ends_with(". ") || opening.starts_with('—') {
        format!("{opening}{body}.")
    } else {
        let mut chars = body.chars();
        let first = chars
            .next()
            .map(|c| c.to_lowercase().collect::<String>())
            .unwrap_or_default();
        format!("{opening}{first}{}.", chars.as_str())
    };
    if rng.below(5) == 0 {
        text = text.replace('е', "ё");
    }
    if rng.below(6) == 0 {
        // A typo: one letter of a long common word doubled.
        text = text.replacen("срок", "сррок", 1);
    }
    text
}

/// `n` texts and the idea each states.
fn generate(n: usize, seed: u64) -> (Vec<String>, Vec<u32>) {
    let mut rng = Rng(seed);
    let ideas: Vec<Idea> = (0..n.div_ceil(10)).map(|i| idea(i, &mut rng)).collect();
    let mut texts: Vec<String> = Vec::with_capacity(n);
    let mut labels: Vec<u32> = Vec::with_capacity(n);
    while texts.len() < n {
        let i = rng.below(ideas.len());
        let text = if rng.below(4) == 0 && !texts.is_empty() {
            // A verbatim paste of an earlier text.
            let j = rng.below(texts.len());
            labels.push(labels[j]);
            texts[j].clone()
        } else {
            labels.push(i as u32);
            write(&ideas[i], &mut rng)
        };
        texts.push(text);
    }
    (texts, labels)
}

/// CPU seconds (user + system) this process has used so far, from
/// /proc/self/stat: unlike wall time, not inflated by other processes.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which ends with ')'): utime is the
    // 12th, stime the 13th; in clock ticks of 1/100 s on Linux.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// FNV-1a over every cluster's members, representative, id and verbatim
/// count, in the order `cluster` returns them.
fn digest(clusters: &[sborka_core::Cluster]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |v: u64| {
        for b in v.to_le_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for c in clusters {
        feed(c.members.len() as u64);
        c.members.iter().for_each(|&m| feed(u64::from(m)));
        feed(u64::from(c.representative));
        feed(c.id.0);
        feed(u64::from(c.verbatim));
    }
    h
}

fn peak_memory_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Runs one size in this process and prints one line of figures.
fn one(n: usize) {
    let (texts, labels) = generate(n, 2018);
    let base = peak_memory_mb();
    let deduper = Deduper::new();
    let cpu = cpu_seconds();
    let start = Instant::now();
    let prepared = deduper.prepare(&texts);
    let normalized = start.elapsed();
    let normalize_cpu = cpu_seconds() - cpu;
    let clusters = deduper.cluster(&prepared);
    let total = start.elapsed();
    let cpu = cpu_seconds() - cpu;
    let cluster_cpu = cpu - normalize_cpu;
    drop(prepared);

    // Check the result: purity and the number of clusters.
    let ideas = {
        let mut l = labels.clone();
        l.sort_unstable();
        l.dedup();
        l.len()
    };
    let mut pure = 0usize;
    let mut seen = 0usize;
    for cluster in &clusters {
        let mut of: Vec<u32> = cluster
            .members
            .iter()
            .map(|&m| labels[m as usize])
            .collect();
        of.sort_unstable();
        let mut best = 0;
        let mut run = 0;
        for (k, l) in of.iter().enumerate() {
            run = if k > 0 && of[k - 1] == *l { run + 1 } else { 1 };
            best = best.max(run);
        }
        pure += best;
        seen += of.len();
    }
    assert_eq!(seen, n, "every text in exactly one cluster");
    let purity = pure as f64 / n as f64;
    let per_idea = clusters.len() as f64 / ideas as f64;
    println!(
        "{n:>9} texts  {ideas:>7} ideas  {:>7} clusters ({per_idea:.2}/idea)  purity {purity:.4}  normalize {:>6.2} s  cluster {:>6.2} s  total {:>6.2} s  {:>7.0} ns/text  cpu {cpu:>6.2} s (normalize {normalize_cpu:.2}, cluster {cluster_cpu:.2})  peak {:>6.0} MB (texts alone {:.0} MB)  digest {:016x}",
        clusters.len(),
        normalized.as_secs_f64(),
        (total - normalized).as_secs_f64(),
        total.as_secs_f64(),
        total.as_nanos() as f64 / n as f64,
        peak_memory_mb(),
        base,
        digest(&clusters),
    );
    assert!(purity >= 0.97, "purity {purity:.4} < 0.97");
    assert!(per_idea <= 1.6, "{per_idea:.2} clusters per idea > 1.6");
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if let Some(i) = args.iter().position(|a| a == "--one") {
        one(args[i + 1].parse().expect("--one N"));
        return;
    }
    let sizes: Vec<usize> = if args.is_empty() {
        vec![10_000, 100_000, 1_000_000]
    } else {
        args.iter()
            .map(|a| a.parse().expect("sizes are numbers"))
            .collect()
    };
    println!("threads: {}", rayon::current_num_threads());
    let exe = std::env::current_exe().expect("the bench knows its own path");
    for n in sizes {
        let status = Command::new(&exe)
            .args(["--one", &n.to_string()])
            .status()
            .expect("the bench runs itself");
        assert!(status.success(), "size {n} failed");
    }
}
