# Deep Learning Foundations: every target sets up what it needs first.
.PHONY: setup serve build test test-fast screenshots figures bench clean

setup:     ## create .venv and install Python and front-end requirements
	bash scripts/setup.sh

serve:     ## set up, draw figures, serve with live reload on http://127.0.0.1:8000
	bash scripts/serve.sh

build:     ## strict static build into site/
	bash scripts/build.sh

test:      ## the whole test suite, including a strict site build and browser tests
	bash scripts/test.sh

test-fast: ## the package's unit, oracle and property tests only (no site build, no browser)
	bash scripts/test.sh -m "not site"

screenshots: ## full-page screenshots of every page (desktop, mobile, dark) into screenshots/
	DLF_SCREENSHOTS=on bash scripts/test.sh -m browser -k "desktop or mobile or dark"

figures: setup  ## draw stale figures into .cache/figures
	.venv/bin/python -m dlfoundations.figures

bench: setup    ## build-time benchmark (cold, warm, figures off, edit under serve)
	.venv/bin/python benchmarks/build_times.py

clean:     ## remove caches and the built site (keeps .venv and node_modules)
	rm -rf site .cache .pytest_cache .hypothesis
