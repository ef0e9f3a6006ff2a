use super::*;

const SERVICE_HEADER: &str = "CODICE TIPO ENTE CREDITORE;TIPO ENTE CREDITORE;# Progressivo Macro Area per Ente Creditore;NOME MACRO AREA;DESCRIZIONE MACRO AREA;CODICE TIPOLOGIA SERVIZIO;TIPO SERVIZIO;Motivo Giuridico della riscossione;DESCRIZIONE TIPO SERVIZIO;# VERSIONE TASSONOMIA;DATI SPECIFICI DI INCASSO;DATA INIZIO VALIDITA (mm/gg/aaaa);DATA FINE VALIDITA (mm/gg/aaaa);combinazione topic&subtopic;Flag_Nuova_Combinazione";

fn codes(entries: &[TaxonomyEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.code.as_str()).collect()
}

fn error(text: &str) -> String {
    read(text.as_bytes()).unwrap_err().to_string()
}

#[test]
fn the_taxonomy_service_shape() {
    let text = format!(
        "\u{feff}{SERVICE_HEADER}\r\n\
         1;COMUNE/UNIONE DI COMUNI / CONSORZI;2;CORPO DI POLIZIA LOCALE;Entrate da sanzioni.;100;Multe / Verbali di Contravvenzione;SA;Violazioni del codice della strada;31;9/0102100SA/;01/01/1900;01/01/2080;Mobilità;1\r\n\
         1;COMUNE/UNIONE DI COMUNI / CONSORZI;1;TRIBUTI;Entrate tributarie.;108;Canone Unico Patrimoniale - CORPORATE ;TS;\"Il canone \"\"unico\"\"; riga\r\ndue\";31;9/0101108TS/;01/04/2021;;x;1\r\n"
    );
    let entries = read(text.as_bytes()).unwrap();
    assert_eq!(codes(&entries), ["0102100SA", "0101108TS"]);
    let e = &entries[1];
    assert_eq!(
        e.institution_type_name,
        "COMUNE/UNIONE DI COMUNI / CONSORZI"
    );
    assert_eq!(e.macro_area_name, "TRIBUTI");
    assert_eq!(
        e.macro_area_description.as_deref(),
        Some("Entrate tributarie.")
    );
    assert_eq!(e.service_type_name, "Canone Unico Patrimoniale - CORPORATE");
    assert_eq!(
        e.service_type_description.as_deref(),
        Some("Il canone \"unico\"; riga\ndue")
    );
    assert_eq!(e.valid_from, NaiveDate::from_ymd_opt(2021, 4, 1));
    assert_eq!(e.valid_to, None);
}

#[test]
fn the_spreadsheet_export_shape() {
    // Headers over several lines, the legend in the legal reason's header, empty trailing
    // columns, macro area names only on the first row of an area, blank separator rows.
    let text = "CODICE TIPO ENTE CREDITORE,TIPO ENTE CREDITORE,\"# Progressivo\nMacro Area per Ente Creditore\",\"NOME\nMACRO AREA\",\"DESCRIZIONE\nMACRO AREA\",\"CODICE \nTIPOLOGIA SERVIZIO\",TIPO SERVIZIO,\"Motivo Giuridico della riscossione\nIM: Imposta\nTS: Tassa\",\"DESCRIZIONE\nTIPO SERVIZIO\",# VERSIONE TASSONOMIA,DATI SPECIFICI DI INCASSO,DATA INIZIO VALIDITA',DATA FINE VALIDITA',,,\n\
        01,COMUNE/UNIONE DI COMUNI / CONSORZI,01,TRIBUTI,Entrate tributarie.,100,\"Rendite catastali (ICI, IMU, TUC, ecc.)\",IM,Imposta,10,9/0101100IM/,01/01/1900,01/01/2080,,,\n\
        01,COMUNE/UNIONE DI COMUNI / CONSORZI,01,,,102,COSAP/TOSAP ,TS,Tassa occupazione suolo pubblico,10,9/0101102TS/,15/02/2021,01/01/2080,,,\n\
        ,,,,,,,,,,,,,,,\n\
        06,UNIVERSITÀ/SCUOLA STATALE,01,UNIVERSITÀ/ SCUOLA STATALE,Tasse universitarie.,100,Tassa Iscrizione,TS,,10,9/0601100TS/,01/01/1900,01/01/2080,,,\n";
    let entries = read(text.as_bytes()).unwrap();
    assert_eq!(codes(&entries), ["0101100IM", "0101102TS", "0601100TS"]);
    assert_eq!(entries[1].macro_area_name, "TRIBUTI");
    assert_eq!(
        entries[1].macro_area_description.as_deref(),
        Some("Entrate tributarie.")
    );
    assert_eq!(entries[1].service_type_name, "COSAP/TOSAP");
    assert_eq!(entries[1].valid_from, NaiveDate::from_ymd_opt(2021, 2, 15));
    assert_eq!(
        entries[2].institution_type_name,
        "UNIVERSITÀ/SCUOLA STATALE"
    );
    assert_eq!(entries[2].service_type_description, None);
}

#[test]
fn minimal_columns_in_any_order_and_case() {
    let text = "tipo servizio,codice tipologia servizio,Nome Macro Area,progressivo macro area per ente creditore,tipo ente creditore,codice tipo ente creditore,motivo giuridico della riscossione\n\
                Ticket Sanitario,100,SERVIZIO SANITARIO NAZIONALE,1,SERVIZIO SANITARIO NAZIONALE,5,TS\n";
    let entries = read(text.as_bytes()).unwrap();
    assert_eq!(codes(&entries), ["0501100TS"]);
    assert_eq!(entries[0].valid_from, None);
    assert_eq!(entries[0].macro_area_description, None);
}

#[test]
fn refusals_name_the_column_or_the_line() {
    assert_eq!(error(""), "the file is empty: the header row is missing");
    assert_eq!(
        error(&format!("{SERVICE_HEADER}\n")),
        "the file has a header but no taxonomy rows"
    );
    let without = SERVICE_HEADER.replace("NOME MACRO AREA;", "");
    assert!(
        error(&without).starts_with("the header has no column NOME MACRO AREA; the taxonomy CSV needs CODICE TIPO ENTE CREDITORE, "),
        "{}",
        error(&without)
    );
    let row = |fields: &str| {
        format!("{SERVICE_HEADER}\n1;COMUNE;1;TRIBUTI;d;100;IMU;IM;d;31;9/0101100IM/;01/01/1900;01/01/2080;t;1\n{fields}\n")
    };
    assert_eq!(
        error(&row("1;COMUNE;1;TRIBUTI;d;1000;X;IM;d;31;;;;t;1")),
        "line 3: CODICE TIPOLOGIA SERVIZIO '1000' is not a number of 1 to 3 digits"
    );
    assert_eq!(
        error(&row("1;COMUNE;1;TRIBUTI;d;101;X;Im;d;31;;;;t;1")),
        "line 3: MOTIVO GIURIDICO DELLA RISCOSSIONE 'Im' is not 2 capital letters, e.g. TS"
    );
    assert_eq!(
        error(&row("1;COMUNE;1;TRIBUTI;d;101;X;IM;d;31;9/0101100IM/;;;t;1")),
        "line 3: DATI SPECIFICI DI INCASSO '9/0101100IM/' does not match the code the row's columns give, 9/0101101IM/"
    );
    assert_eq!(
        error(&row("1;COMUNE;1;TRIBUTI;d;100;X;IM;d;31;;;;t;1")),
        "line 3: code 0101100IM is already on line 2"
    );
    assert_eq!(
        error(&row("1;COMUNE;2;;;100;X;SA;d;31;;;;t;1")),
        "line 3: NOME MACRO AREA is empty and no earlier row names macro area 0102"
    );
    assert_eq!(
        error(&row("1;COMUNE;1;TRIBUTI;d;101;X;IM;d;31;;02/13/2021;;t;1")),
        "line 3: DATA INIZIO VALIDITA '02/13/2021' is not a date like 15/02/2021 (day first) or 2021-02-15"
    );
    assert_eq!(
        error(&row(
            "1;COMUNE;1;TRIBUTI;d;101;X;IM;d;31;;02/01/2021;01/01/2021;t;1"
        )),
        "line 3: DATA FINE VALIDITA 2021-01-01 is before DATA INIZIO VALIDITA 2021-01-02"
    );
    assert_eq!(
        error(&row("1;COMUNE;1;TRIBUTI;d;101;;IM;d;31;;;;t;1")),
        "line 3: TIPO SERVIZIO is empty"
    );
    // A record over several lines is numbered by its first; the next one by its own.
    assert_eq!(
        error(&row("1;COMUNE;1;TRIBUTI;\"a\nb\nc\";101;X;IM;d;31;;;;t;1\n1;COMUNE;1;TRIBUTI;d;1x;X;IM;d;31;;;;t;1")),
        "line 6: CODICE TIPOLOGIA SERVIZIO '1x' is not a number of 1 to 3 digits"
    );
    assert_eq!(
        error(&row("1;COMUNE;1;TRIBUTI;\"open;101;X;IM")),
        "line 3: a quoted field is not closed"
    );
    assert_eq!(
        error(&row("1;COMUNE;1;TRIBUTI;\"a\"b;101;X;IM")),
        "line 3: text after the closing quote of a field (a quote inside a quoted field is written \"\")"
    );
    let mut latin1 = row("1;COMUNE;1;TRIBUTI;d;101;X;IM;d;31;;;;t;1").into_bytes();
    latin1.extend_from_slice(b"1;UNIVERSIT\xc0;1;X;d;101;X;IM;d;31;;;;t;1\n");
    assert_eq!(
        read(&latin1).unwrap_err().to_string(),
        "line 4: the file is not UTF-8 text; save the CSV as UTF-8"
    );
}

#[test]
fn headers_match_by_name() {
    assert_eq!(
        column_of("DATA INIZIO VALIDITA (mm/gg/aaaa)"),
        Some(Column::ValidFrom)
    );
    assert_eq!(column_of("Data fine validità"), Some(Column::ValidTo));
    assert_eq!(
        column_of("DATI SPECIFICI INCASSO"),
        Some(Column::Collection)
    );
    assert_eq!(
        column_of("  tipo   ente creditore "),
        Some(Column::TypeName)
    );
    assert_eq!(
        column_of("CODICE TIPO ENTE CREDITORE"),
        Some(Column::TypeCode)
    );
    assert_eq!(column_of("TIPO SERVIZIO"), Some(Column::ServiceName));
    assert_eq!(column_of("TIPO SERVIZIOX"), None);
    assert_eq!(column_of("VERSIONE TASSONOMIA"), None);
    assert_eq!(column_of(""), None);
    let twice = "TIPO SERVIZIO,tipo servizio\n";
    assert_eq!(
        error(twice),
        "line 1: columns 1 and 2 are both 'tipo servizio'"
    );
}
