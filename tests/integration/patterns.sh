skip "written with the patterns issue"
