/* dc/stub_cmds.c - placeholders while the foundation is written (removed when each lands) */
#include "config.h"
#include "dc/cmd.h"
int mdc_cmd_provision(int argc, char **argv) { mdc_cmd_error("provision", "not yet"); return 1; }
int mdc_cmd_run(int argc, char **argv) { mdc_cmd_error("run", "not yet"); return 1; }
int mdc_cmd_status(int argc, char **argv) { mdc_cmd_error("status", "not yet"); return 1; }
int mdc_cmd_stop(int argc, char **argv) { mdc_cmd_error("stop", "not yet"); return 1; }
int mdc_cmd_env(int argc, char **argv) { mdc_cmd_error("env", "not yet"); return 1; }
int mdc_cmd_check_config(int argc, char **argv) { mdc_cmd_error("check-config", "not yet"); return 1; }
