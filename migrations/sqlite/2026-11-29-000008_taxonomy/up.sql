-- PagoPA's taxonomy catalog (optional): names for the codes of transfer categories 9/<code>/.
-- `gpd-gateway taxonomy import FILE.csv` replaces its whole content.
CREATE TABLE taxonomy_entries (
    code VARCHAR(9) NOT NULL PRIMARY KEY,
    institution_type VARCHAR(2) NOT NULL,
    institution_type_name TEXT NOT NULL,
    macro_area VARCHAR(2) NOT NULL,
    macro_area_name TEXT NOT NULL,
    macro_area_description TEXT,
    service_type VARCHAR(3) NOT NULL,
    service_type_name TEXT NOT NULL,
    service_type_description TEXT,
    legal_reason VARCHAR(2) NOT NULL,
    valid_from DATE,
    valid_to DATE
);
