-- The search of households by reference or name (issue 20): both sides folded to lower case
-- without French accents, so that « Benoît », « BENOIT » and « benoit » find each other. An
-- expression, not an index: the search runs over the few hundred households a reader may see,
-- already narrowed by row level security.
CREATE FUNCTION search_fold(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT replace(replace(translate(lower($1), 'àâäáãåçéèêëíìîïñóòôöõúùûüýÿ', 'aaaaaaceeeeiiiinooooouuuuyy'),
                       'œ', 'oe'), 'æ', 'ae') $$;
