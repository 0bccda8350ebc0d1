"""Maps the agreed top-level folders into the single `simprof` import namespace.

sim/ -> simprof.sim, estimator/ -> simprof.estimator, firmware/ -> simprof.firmware (C sources
shipped as package data), platforms/ -> simprof.platforms (YAML data + loader). Nothing generic is
installed at top level.
"""
from setuptools import find_namespace_packages, find_packages, setup

ROOTS = {
    "simprof": "simprof",
    "simprof.sim": "sim",
    "simprof.estimator": "estimator",
    "simprof.firmware": "firmware",
    "simprof.platforms": "platforms",
}

packages, package_dir = [], {}
for namespace, folder in ROOTS.items():
    package_dir[namespace] = folder
    packages.append(namespace)
    # firmware/ and platforms/ hold data folders (C sources, YAML): list them as namespace
    # packages so their files ship as package data.
    finder = find_namespace_packages if folder in ("firmware", "platforms") else find_packages
    packages += [f"{namespace}.{sub}" for sub in finder(folder) if "__pycache__" not in sub]

setup(
    packages=packages,
    package_dir=package_dir,
    package_data={
        "simprof.firmware": ["**/*.c", "**/*.h", "**/*.S", "**/*.ld", "**/*.in", "**/*.json", "Makefile"],
        "simprof.platforms": ["*.yaml", "**/*.json", "**/*.yaml", "renode/*.repl"],
        "simprof": ["**/*.html", "**/*.css", "**/*.robot"],
    },
)
