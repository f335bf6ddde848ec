from setuptools import find_packages, setup

setup(
    name="source-mentions",
    version="0.2.1",
    description="Airbyte source for social-listening (mention monitoring) APIs: Mention, Mentionlytics, Sociovite, Mentionlab.",
    packages=find_packages(include=["source_mentions", "source_mentions.*"]),
    package_data={"source_mentions": ["manifest.yaml", "schemas/*.json", "schemas/shared/*.json"]},
    python_requires=">=3.10,<3.13",
    install_requires=[
        "airbyte-cdk>=7.39,<8",
        "requests>=2.31",
        "pendulum>=3",
        "jsonschema>=4",
    ],
    extras_require={
        "tests": ["pytest>=8", "pytest-xdist>=3.6", "requests-mock>=1.12"],
        "warehouse": ["airbyte>=0.71,<0.72", "matplotlib>=3.8,<4"],  # matplotlib: the demo's chart
    },
    entry_points={"console_scripts": ["source-mentions=source_mentions.run:run"]},
)
