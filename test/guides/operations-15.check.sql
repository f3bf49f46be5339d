SELECT data = '{}' AND id = 1 FROM tv_test WHERE pk_test = 1;
