DROP INDEX idx_po_org_due;
