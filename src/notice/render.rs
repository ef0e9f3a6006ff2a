//! Layout and PDF writing of a notice: A4 pages, the header on the first page, then one payment
//! block per item (with its postal form when there is one), as many per page as fit.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::codes::{self, CodeError, Modules};
use super::font::{Font, Style};
use super::format;
use super::model::{Item, ItemKind, Notice, PostalForm, POSTE_DOCUMENT_TYPE};

pub const PAGE_W: f32 = 595.28;
pub const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 36.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
/// QR code and data matrix side: 25 mm.
const CODE_SIDE: f32 = 25.0 * 72.0 / 25.4;
const STRIP: f32 = 22.0;
const BODY: f32 = 96.0;
const POSTAL_BODY: f32 = 92.0;
const GAP: f32 = 10.0;
const FIRST_BLOCKS_TOP: f32 = 298.0;
const NEXT_BLOCKS_TOP: f32 = MARGIN + 40.0;
const BLOCKS_BOTTOM: f32 = PAGE_H - MARGIN + 6.0;

type Rgb = (f32, f32, f32);
const INK: Rgb = (0.1, 0.1, 0.12);
const GREY: Rgb = (0.36, 0.38, 0.43);
const BLUE: Rgb = (0.0, 0.33, 0.66);
const LIGHT_BLUE: Rgb = (0.9, 0.94, 0.98);
const LIGHT_YELLOW: Rgb = (1.0, 0.95, 0.76);
const RULE: Rgb = (0.72, 0.75, 0.8);
const BLACK: Rgb = (0.0, 0.0, 0.0);

const LOGO: &[u8] = b"Im1";

const AMOUNT_MAY_CHANGE: &str = "L'importo può essere aggiornato al momento del pagamento, ad \
esempio per interessi o sanzioni se paghi dopo la scadenza, oppure per sgravi: il canale che \
userai ti mostrerà sempre la cifra dovuta.";
const WHERE_TO_PAY: &str = "Con pagoPA: sul sito o sull'app dell'ente creditore, della tua \
banca o di Poste Italiane, agli sportelli bancari e ATM abilitati, negli uffici postali, nei \
punti vendita di tabaccherie e ricevitorie aderenti. Inquadra il codice QR o indica il codice \
avviso e il codice fiscale dell'ente creditore. Tutti i canali su www.pagopa.gov.it.";
const WHERE_TO_PAY_POSTE: &str = " Negli uffici postali puoi usare anche il bollettino postale \
PA stampato in questo avviso.";

/// Text that fits a width: its size and lines.
struct Fitted {
    size: f32,
    lines: Vec<String>,
}

/// Greedy word wrap; a word wider than the line is broken between characters.
fn wrap(font: &Font, text: &str, width: f32, size: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if font.width(&candidate, size) <= width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for ch in word.chars() {
            line.push(ch);
            if font.width(&line, size) > width && line.chars().count() > 1 {
                line.pop();
                lines.push(std::mem::take(&mut line));
                line.push(ch);
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `text` in at most `max_lines` lines of `width`: the largest size from `size` down to `min`
/// (by half points) that fits, else `min` with the last line cut and ended by an ellipsis.
fn fit(style: Style, text: &str, width: f32, size: f32, min: f32, max_lines: usize) -> Fitted {
    let font = style.get();
    let mut s = size;
    while s >= min {
        let lines = wrap(font, text, width, s);
        if lines.len() <= max_lines {
            return Fitted { size: s, lines };
        }
        s -= 0.5;
    }
    let mut lines = wrap(font, text, width, min);
    lines.truncate(max_lines);
    if let Some(last) = lines.last_mut() {
        while !last.is_empty() && font.width(&format!("{last}…"), min) > width {
            last.pop();
        }
        last.push('…');
    }
    Fitted { size: min, lines }
}

/// One page's content stream, with coordinates from the top-left corner.
struct Canvas {
    c: Content,
}

impl Canvas {
    fn new() -> Self {
        Canvas { c: Content::new() }
    }

    fn fill_color(&mut self, (r, g, b): Rgb) {
        self.c.set_fill_rgb(r, g, b);
    }

    fn fill_rect(&mut self, x: f32, top: f32, w: f32, h: f32, color: Rgb) {
        self.fill_color(color);
        self.c.rect(x, PAGE_H - top - h, w, h);
        self.c.fill_nonzero();
    }

    fn frame(&mut self, x: f32, top: f32, w: f32, h: f32, (r, g, b): Rgb) {
        self.c.set_stroke_rgb(r, g, b);
        self.c.set_line_width(0.8);
        self.c.rect(x, PAGE_H - top - h, w, h);
        self.c.stroke();
    }

    fn hline(&mut self, x: f32, y: f32, w: f32, (r, g, b): Rgb) {
        self.c.set_stroke_rgb(r, g, b);
        self.c.set_line_width(0.6);
        self.c.move_to(x, PAGE_H - y);
        self.c.line_to(x + w, PAGE_H - y);
        self.c.stroke();
    }

    fn text(&mut self, x: f32, baseline: f32, style: Style, size: f32, color: Rgb, text: &str) {
        self.fill_color(color);
        self.c.begin_text();
        self.c.set_font(Name(style.resource_name()), size);
        self.c.next_line(x, PAGE_H - baseline);
        self.c.show(Str(&style.get().encode(text)));
        self.c.end_text();
    }

    /// Text ending at `right`; returns where it starts.
    fn text_right(
        &mut self,
        right: f32,
        baseline: f32,
        style: Style,
        size: f32,
        color: Rgb,
        text: &str,
    ) -> f32 {
        let x = right - style.get().width(text, size);
        self.text(x, baseline, style, size, color, text);
        x
    }

    /// One line within `width`, shrunk down to `min` points and then cut.
    #[allow(clippy::too_many_arguments)]
    fn line(
        &mut self,
        x: f32,
        baseline: f32,
        width: f32,
        style: Style,
        (size, min): (f32, f32),
        color: Rgb,
        text: &str,
    ) {
        let fitted = fit(style, text, width, size, min, 1);
        let line = fitted.lines.first().map(String::as_str).unwrap_or("");
        self.text(x, baseline, style, fitted.size, color, line);
    }

    /// A paragraph whose first line's top is `top`; returns the bottom of its last line.
    #[allow(clippy::too_many_arguments)]
    fn paragraph(
        &mut self,
        x: f32,
        top: f32,
        width: f32,
        style: Style,
        (size, min): (f32, f32),
        max_lines: usize,
        color: Rgb,
        text: &str,
    ) -> f32 {
        let fitted = fit(style, text, width, size, min, max_lines);
        let leading = fitted.size * 1.22;
        for (i, line) in fitted.lines.iter().enumerate() {
            let baseline = top + fitted.size * 0.95 + i as f32 * leading;
            self.text(x, baseline, style, fitted.size, color, line);
        }
        top + fitted.lines.len() as f32 * leading
    }

    /// A 2D code, `side` points wide, as filled rectangles (one per run of dark modules).
    fn modules(&mut self, x: f32, top: f32, side: f32, m: &Modules) {
        let unit = side / m.width.max(m.height) as f32;
        self.fill_color(BLACK);
        for (row, col, len) in m.runs() {
            let y = PAGE_H - top - (row + 1) as f32 * unit;
            // A hair taller so that rows never show a seam when rasterized.
            self.c
                .rect(x + col as f32 * unit, y, len as f32 * unit, unit + 0.02);
        }
        self.c.fill_nonzero();
    }

    fn image(&mut self, name: &[u8], x: f32, top: f32, w: f32, h: f32) {
        self.c.save_state();
        self.c.transform([w, 0.0, 0.0, h, x, PAGE_H - top - h]);
        self.c.x_object(Name(name));
        self.c.restore_state();
    }
}

fn block_height(item: &Item) -> f32 {
    STRIP + BODY + item.postal.as_ref().map_or(0.0, |_| STRIP + POSTAL_BODY)
}

fn item_label(item: &Item) -> String {
    match item.kind {
        ItemKind::Single => "RATA UNICA".to_owned(),
        ItemKind::Installment { number, of } => format!("RATA {number} DI {of}"),
    }
}

/// Which items go on which page.
pub(super) fn paginate(items: &[Item]) -> Vec<Vec<usize>> {
    let mut pages = vec![Vec::new()];
    let mut y = FIRST_BLOCKS_TOP;
    for (i, item) in items.iter().enumerate() {
        let h = block_height(item);
        let page_empty = pages.last().is_none_or(Vec::is_empty);
        if y + h > BLOCKS_BOTTOM && !page_empty {
            pages.push(Vec::new());
            y = NEXT_BLOCKS_TOP;
        }
        if let Some(page) = pages.last_mut() {
            page.push(i);
        }
        y += h + GAP;
    }
    pages
}

fn header(c: &mut Canvas, notice: &Notice, logo: Option<(u32, u32)>) {
    let mut x = MARGIN;
    if let Some((w, h)) = logo {
        let (box_w, box_h) = (72.0, 54.0);
        let scale = (box_w / w as f32).min(box_h / h as f32);
        let (lw, lh) = (w as f32 * scale, h as f32 * scale);
        c.image(LOGO, MARGIN, MARGIN, lw, lh);
        x += lw + 12.0;
    }
    let width = PAGE_W - MARGIN - x;
    c.text(
        x,
        MARGIN + 14.0,
        Style::Bold,
        16.0,
        BLUE,
        "AVVISO DI PAGAMENTO",
    );
    c.paragraph(
        x,
        MARGIN + 22.0,
        width,
        Style::Regular,
        (11.0, 7.0),
        2,
        INK,
        &notice.subject,
    );

    let top = 104.0;
    let (w, h) = ((CONTENT_W - 12.0) / 2.0, 84.0);
    let inner = w - 20.0;
    let institution = &notice.institution;
    c.frame(MARGIN, top, w, h, RULE);
    c.text(
        MARGIN + 10.0,
        top + 13.0,
        Style::Bold,
        7.0,
        GREY,
        "ENTE CREDITORE",
    );
    c.paragraph(
        MARGIN + 10.0,
        top + 19.0,
        inner,
        Style::Bold,
        (11.0, 7.0),
        2,
        INK,
        &institution.name,
    );
    c.text(
        MARGIN + 10.0,
        top + h - 12.0,
        Style::Regular,
        9.0,
        INK,
        &format!("Codice fiscale {}", institution.fiscal_code),
    );

    let x2 = MARGIN + w + 12.0;
    let debtor = &notice.debtor;
    c.frame(x2, top, w, h, RULE);
    c.text(
        x2 + 10.0,
        top + 13.0,
        Style::Bold,
        7.0,
        GREY,
        "DESTINATARIO AVVISO",
    );
    c.paragraph(
        x2 + 10.0,
        top + 19.0,
        inner,
        Style::Bold,
        (11.0, 7.0),
        2,
        INK,
        &debtor.name,
    );
    c.text(
        x2 + 10.0,
        top + h - 24.0,
        Style::Regular,
        9.0,
        INK,
        &format!("Codice fiscale {}", debtor.fiscal_code),
    );
    if let Some(address) = &debtor.address {
        c.line(
            x2 + 10.0,
            top + h - 11.0,
            inner,
            Style::Regular,
            (8.0, 6.0),
            GREY,
            address,
        );
    }

    let top = top + h + 14.0;
    c.text(
        MARGIN,
        top + 10.0,
        Style::Bold,
        10.0,
        BLUE,
        "QUANTO E QUANDO PAGARE?",
    );
    let installments: Vec<&Item> = notice.installments().collect();
    let (amount, after, second) = match (notice.singles().next(), installments.first()) {
        (Some(single), _) => (
            single.amount,
            format!(" entro il {}", format::date(single.due_date)),
            (!installments.is_empty())
                .then(|| format!("oppure in {} rate, come indicato sotto", installments.len())),
        ),
        (None, Some(first)) => (
            installments
                .iter()
                .try_fold(crate::domain::Amount::ZERO, |sum, i| {
                    sum.checked_add(i.amount)
                })
                .unwrap_or(first.amount),
            format!(" in {} rate", installments.len()),
            Some(format!(
                "la prima entro il {}",
                format::date(first.due_date)
            )),
        ),
        (None, None) => (crate::domain::Amount::ZERO, String::new(), None),
    };
    let amount = format::amount(amount);
    c.text(MARGIN, top + 32.0, Style::Bold, 16.0, INK, &amount);
    let after_x = MARGIN + Style::Bold.get().width(&amount, 16.0);
    c.text(after_x, top + 32.0, Style::Regular, 10.0, INK, &after);
    let mut y = top + 38.0;
    if let Some(second) = second {
        c.text(MARGIN, top + 46.0, Style::Regular, 9.0, INK, &second);
        y = top + 52.0;
    }
    c.paragraph(
        MARGIN,
        y + 2.0,
        w,
        Style::Regular,
        (7.5, 6.0),
        5,
        GREY,
        AMOUNT_MAY_CHANGE,
    );

    c.text(x2, top + 10.0, Style::Bold, 10.0, BLUE, "DOVE PAGARE?");
    let mut where_to_pay = WHERE_TO_PAY.to_owned();
    if notice.items.iter().any(|i| i.postal.is_some()) {
        where_to_pay.push_str(WHERE_TO_PAY_POSTE);
    }
    c.paragraph(
        x2,
        top + 18.0,
        w,
        Style::Regular,
        (7.5, 6.0),
        8,
        INK,
        &where_to_pay,
    );
}

fn compact_header(c: &mut Canvas, notice: &Notice) {
    c.line(
        MARGIN,
        MARGIN + 10.0,
        CONTENT_W,
        Style::Bold,
        (10.0, 7.0),
        INK,
        &format!(
            "{} · Codice fiscale {}",
            notice.institution.name, notice.institution.fiscal_code
        ),
    );
    c.line(
        MARGIN,
        MARGIN + 23.0,
        CONTENT_W,
        Style::Regular,
        (8.0, 6.0),
        GREY,
        &format!("Avviso di pagamento · {}", notice.subject),
    );
    c.hline(MARGIN, MARGIN + 30.0, CONTENT_W, RULE);
}

/// A label and a one-line value, in the left column of a block.
struct Rows {
    x: f32,
    value_x: f32,
    value_w: f32,
}

impl Rows {
    fn row(&self, c: &mut Canvas, baseline: f32, label: &str, value: &str) {
        c.text(self.x, baseline, Style::Regular, 7.5, GREY, label);
        c.line(
            self.value_x,
            baseline,
            self.value_w,
            Style::Regular,
            (9.0, 6.0),
            INK,
            value,
        );
    }

    fn wrapped(&self, c: &mut Canvas, baseline: f32, label: &str, value: &str) {
        c.text(self.x, baseline, Style::Regular, 7.5, GREY, label);
        c.paragraph(
            self.value_x,
            baseline - 8.5,
            self.value_w,
            Style::Regular,
            (9.0, 6.0),
            2,
            INK,
            value,
        );
    }

    fn strong(&self, c: &mut Canvas, baseline: f32, label: &str, value: &str, size: f32) {
        c.text(self.x, baseline, Style::Regular, 7.5, GREY, label);
        c.line(
            self.value_x,
            baseline,
            self.value_w,
            Style::Bold,
            (size, 6.0),
            INK,
            value,
        );
    }
}

fn strip(c: &mut Canvas, top: f32, color: Rgb, title: &str, detail: &str, amount: &str) {
    c.fill_rect(MARGIN, top, CONTENT_W, STRIP, color);
    let x = MARGIN + 10.0;
    c.text(x, top + 15.0, Style::Bold, 10.0, BLUE, title);
    let amount_x = c.text_right(
        MARGIN + CONTENT_W - 10.0,
        top + 15.5,
        Style::Bold,
        13.0,
        INK,
        amount,
    );
    let detail_x = x + Style::Bold.get().width(title, 10.0) + 12.0;
    c.line(
        detail_x,
        top + 15.0,
        (amount_x - 12.0 - detail_x).max(10.0),
        Style::Regular,
        (9.0, 6.0),
        INK,
        detail,
    );
}

fn block(c: &mut Canvas, notice: &Notice, item: &Item, top: f32, qr: &Modules) {
    let amount = format::amount(item.amount);
    strip(
        c,
        top,
        LIGHT_BLUE,
        &item_label(item),
        &format!("entro il {}", format::date(item.due_date)),
        &amount,
    );
    let b = top + STRIP;
    let qr_x = MARGIN + CONTENT_W - 12.0 - CODE_SIDE;
    c.modules(qr_x, b + (BODY - CODE_SIDE) / 2.0, CODE_SIDE, qr);
    let rows = Rows {
        x: MARGIN + 10.0,
        value_x: MARGIN + 118.0,
        value_w: qr_x - 14.0 - (MARGIN + 118.0),
    };
    rows.row(c, b + 16.0, "Destinatario", &notice.debtor.name);
    rows.row(c, b + 30.0, "Ente creditore", &notice.institution.name);
    rows.wrapped(c, b + 44.0, "Oggetto del pagamento", &item.subject);
    rows.strong(
        c,
        b + 72.0,
        "Codice avviso",
        &format::notice_code(item.notice_number.as_str()),
        12.0,
    );
    rows.strong(
        c,
        b + 87.0,
        "Cod. fiscale ente creditore",
        notice.institution.fiscal_code.as_str(),
        11.0,
    );
}

fn postal_form(
    c: &mut Canvas,
    notice: &Notice,
    item: &Item,
    form: &PostalForm,
    top: f32,
    matrix: &Modules,
) {
    c.hline(MARGIN, top, CONTENT_W, RULE);
    strip(
        c,
        top,
        LIGHT_YELLOW,
        "BOLLETTINO POSTALE PA",
        &format!("sul C/C n. {}", form.account),
        &format::amount(item.amount),
    );
    let b = top + STRIP;
    let dm_x = MARGIN + CONTENT_W - 12.0 - CODE_SIDE;
    c.modules(dm_x, b + 8.0, CODE_SIDE, matrix);
    let rows = Rows {
        x: MARGIN + 10.0,
        value_x: MARGIN + 118.0,
        value_w: dm_x - 14.0 - (MARGIN + 118.0),
    };
    rows.row(c, b + 14.0, "Intestato a", &form.holder);
    rows.row(c, b + 27.0, "Destinatario", &notice.debtor.name);
    rows.wrapped(c, b + 40.0, "Oggetto del pagamento", &item.subject);
    rows.strong(
        c,
        b + 66.0,
        "Codice avviso",
        &format!(
            "{} · Tipo {POSTE_DOCUMENT_TYPE}",
            format::notice_code(item.notice_number.as_str())
        ),
        11.0,
    );
    c.paragraph(
        MARGIN + 10.0,
        b + 73.0,
        dm_x - 14.0 - (MARGIN + 10.0),
        Style::Regular,
        (6.5, 5.0),
        2,
        GREY,
        &format!(
            "Bollettino postale PA autorizzato da Poste Italiane: {}",
            form.authorization
        ),
    );
}

fn footer(c: &mut Canvas, notice: &Notice, page: usize, pages: usize) {
    let baseline = PAGE_H - MARGIN + 16.0;
    c.text_right(
        MARGIN + CONTENT_W,
        baseline,
        Style::Regular,
        7.0,
        GREY,
        &format!("Pagina {page} di {pages}"),
    );
    c.line(
        MARGIN,
        baseline,
        CONTENT_W - 80.0,
        Style::Regular,
        (7.0, 5.0),
        GREY,
        &format!("Posizione debitoria {}", notice.iupd),
    );
}

struct Refs(i32);

impl Refs {
    fn next(&mut self) -> Ref {
        self.0 += 1;
        Ref::new(self.0)
    }
}

fn write_font(pdf: &mut Pdf, refs: &mut Refs, font: &Font) -> Ref {
    let (type0, cid, descriptor, file, to_unicode) = (
        refs.next(),
        refs.next(),
        refs.next(),
        refs.next(),
        refs.next(),
    );
    let name = Name(font.base_name.as_bytes());
    pdf.type0_font(type0)
        .base_font(name)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(to_unicode);
    let mut cid_font = pdf.cid_font(cid);
    cid_font
        .subtype(CidFontType::Type2)
        .base_font(name)
        .system_info(SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        })
        .font_descriptor(descriptor)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    cid_font
        .widths()
        .consecutive(0, font.widths.iter().copied());
    cid_font.finish();
    let [x0, y0, x1, y1] = font.bbox;
    pdf.font_descriptor(descriptor)
        .name(name)
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(x0, y0, x1, y1))
        .italic_angle(0.0)
        .ascent(font.ascent)
        .descent(font.descent)
        .cap_height(font.cap_height)
        .stem_v(80.0)
        .font_file2(file);
    pdf.stream(file, &font.file_deflated)
        .filter(Filter::FlateDecode)
        .pair(Name(b"Length1"), font.file_length as i32);
    pdf.stream(to_unicode, &font.to_unicode_deflated)
        .filter(Filter::FlateDecode);
    type0
}

/// The notice as a PDF document.
pub fn render(notice: &Notice) -> Result<Vec<u8>, CodeError> {
    let codes = notice
        .items
        .iter()
        .map(|item| {
            let qr = codes::qr(&item.qr)?;
            let dm = item
                .postal
                .as_ref()
                .map(|p| codes::data_matrix(&p.data_matrix))
                .transpose()?;
            Ok((qr, dm))
        })
        .collect::<Result<Vec<_>, CodeError>>()?;
    let logo = notice.institution.logo.as_deref();
    let pages = paginate(&notice.items);

    let mut pdf = Pdf::new();
    let mut refs = Refs(0);
    let (catalog, tree, info) = (refs.next(), refs.next(), refs.next());
    let fonts: Vec<(Style, Ref)> = Style::ALL
        .iter()
        .map(|s| (*s, write_font(&mut pdf, &mut refs, s.get())))
        .collect();
    let logo_ref = logo.map(|l| {
        let image = refs.next();
        let mask = l.alpha_deflated.as_ref().map(|alpha| {
            let mask = refs.next();
            let mut m = pdf.image_xobject(mask, alpha);
            m.filter(Filter::FlateDecode);
            m.width(l.width as i32)
                .height(l.height as i32)
                .bits_per_component(8);
            m.color_space().device_gray();
            m.finish();
            mask
        });
        let mut img = pdf.image_xobject(image, &l.pixels_deflated);
        img.filter(Filter::FlateDecode);
        img.width(l.width as i32)
            .height(l.height as i32)
            .bits_per_component(8);
        if l.channels == 1 {
            img.color_space().device_gray();
        } else {
            img.color_space().device_rgb();
        }
        if let Some(mask) = mask {
            img.s_mask(mask);
        }
        img.finish();
        image
    });

    let mut page_refs = Vec::with_capacity(pages.len());
    for (n, items) in pages.iter().enumerate() {
        let mut c = Canvas::new();
        let mut y = if n == 0 {
            header(&mut c, notice, logo.map(|l| (l.width, l.height)));
            FIRST_BLOCKS_TOP
        } else {
            compact_header(&mut c, notice);
            NEXT_BLOCKS_TOP
        };
        for &i in items {
            let item = &notice.items[i];
            let (qr, dm) = &codes[i];
            block(&mut c, notice, item, y, qr);
            if let (Some(form), Some(dm)) = (&item.postal, dm) {
                postal_form(&mut c, notice, item, form, y + STRIP + BODY, dm);
            }
            c.frame(MARGIN, y, CONTENT_W, block_height(item), RULE);
            y += block_height(item) + GAP;
        }
        footer(&mut c, notice, n + 1, pages.len());
        let content = miniz_oxide::deflate::compress_to_vec_zlib(&c.c.finish(), 6);
        let (page_ref, content_ref) = (refs.next(), refs.next());
        pdf.stream(content_ref, &content)
            .filter(Filter::FlateDecode);
        let mut page = pdf.page(page_ref);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(tree)
            .contents(content_ref);
        let mut resources = page.resources();
        let mut font_dict = resources.fonts();
        for (style, r) in &fonts {
            font_dict.pair(Name(style.resource_name()), *r);
        }
        font_dict.finish();
        if let Some(image) = logo_ref {
            resources.x_objects().pair(Name(LOGO), image);
        }
        resources.finish();
        page.finish();
        page_refs.push(page_ref);
    }
    pdf.pages(tree)
        .kids(page_refs.iter().copied())
        .count(page_refs.len() as i32);
    pdf.catalog(catalog).pages(tree);
    let title = format!("Avviso di pagamento {}", notice.iupd);
    pdf.document_info(info)
        .title(TextStr(&title))
        .producer(TextStr("gpd-gateway"));
    Ok(pdf.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_shrinks_then_is_cut() {
        let short = fit(Style::Regular, "Mario Rossi", 200.0, 9.0, 6.0, 1);
        assert_eq!((short.size, short.lines.len()), (9.0, 1));
        let long = "Amministrazione comunale ".repeat(10);
        let cut = fit(Style::Regular, &long, 200.0, 9.0, 6.0, 2);
        assert_eq!(cut.size, 6.0);
        assert_eq!(cut.lines.len(), 2);
        assert!(cut.lines[1].ends_with('…'));
        for line in &cut.lines {
            assert!(Style::Regular.get().width(line, 6.0) <= 200.0);
        }
        let word = fit(Style::Bold, &"W".repeat(100), 50.0, 9.0, 6.0, 3);
        assert!(word.lines.len() <= 3);
    }
}
