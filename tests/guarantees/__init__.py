"""Every README guarantee about objects, checked for every kind: one test function per
guarantee, parametrized over `KINDS`, on the samples each kind provides
(`ResourceKind.samples()`), so a new kind is checked by itself."""
