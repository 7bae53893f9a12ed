"""pip install of the Python module: `pip install --no-build-isolation .` (in a venv made with
--system-site-packages, since Debian's pip refuses the system Python and nothing can be fetched
from PyPI). The extension lograd._core is built by CMake (target lograd_python), the same build
as `make`; numpy, scipy and scikit-learn come from Debian (python3-numpy, python3-scipy,
python3-sklearn)."""
import os
import pathlib
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = pathlib.Path(__file__).parent.resolve()


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build = pathlib.Path(self.build_temp).resolve() / "cmake"
        configure = ["cmake", "-S", str(ROOT), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                     "-DLOGRAD_BUILD_TESTS=OFF", f"-DPython_EXECUTABLE={sys.executable}"]
        if shutil.which("ninja"):
            configure += ["-G", "Ninja"]
        subprocess.run(configure, check=True)
        subprocess.run(["cmake", "--build", str(build), "--target", "lograd_python",
                        "--parallel", str(os.cpu_count() or 1)], check=True)
        built = next((build / "python" / "lograd").glob("_core*.so"))
        dest = pathlib.Path(self.get_ext_fullpath(ext.name))
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, dest)


setup(
    name="lograd",
    version="0.1.0",
    description="Logistic regression on a reverse-mode autodiff engine: a scikit-learn estimator",
    packages=["lograd"],
    package_dir={"": "python"},
    ext_modules=[CMakeExtension("lograd._core")],
    cmdclass={"build_ext": CMakeBuild},
    python_requires=">=3.9",
)
