-- Bulk-load one CAHR-KG build into Virtuoso: `isql-vt 127.0.0.1:1111 dba dba deploy/virtuoso-load.sql`,
-- with dataset.nq and union.nt copied into the folder load/ of the database folder (the server's
-- working folder; virtuoso.ini's DirsAllowed). dataset.nq keeps its named graphs (a quad names its
-- graph; the third argument is used for triples only); union.nt, the deduplicated union, goes to
-- urn:cahr:union, the default graph kg serve asks for (docs/deploy.md, "Virtuoso").
ld_dir('load', 'dataset.nq', 'urn:cahr:unused');
ld_dir('load', 'union.nt', 'urn:cahr:union');
rdf_loader_run();
checkpoint;
-- Each file once, state 2 (loaded) and no error.
SELECT ll_file, ll_graph, ll_state, ll_error FROM DB.DBA.load_list;
