"""(stage package; see the modules)"""
