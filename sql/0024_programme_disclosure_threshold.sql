-- A threshold of disclosure control per programme (issue 22): the operator sets it between a
-- floor of 3 and 100 (`hub programme seuil`); a programme without one uses the deployment's
-- (HUB_DISCLOSURE_THRESHOLD, default 5). The report states the threshold it used.
ALTER TABLE programmes ADD COLUMN disclosure_threshold integer
    CONSTRAINT programmes_disclosure_threshold CHECK (disclosure_threshold BETWEEN 3 AND 100);
