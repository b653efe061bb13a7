"""amp_schema: the dataset and organisation metadata schema of the bundle
(DCAT-AP 3 + HVD + OpenDataFrance), its validators, choices and quality score."""
