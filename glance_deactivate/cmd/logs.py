# Copyright 2026 The glance-deactivate Authors
#
#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.


"""Logging of the operator commands, through oslo.log.

The commands log as ``glance-manage`` does: the oslo.log options of the
configuration files apply (``debug``, ``log_file``, ``log_dir``,
``use_stderr``, ``use_journal``, ``use_syslog``, ``log_config_append``, ...)
and so do the same command-line options (``--debug``, ``--log-file``, ...).
``use_stderr`` defaults to true.  On the terminal a command shows warnings
and errors only, one line each (``WARNING: ...``, ``ERROR: ...``), without
tracebacks; with ``--debug`` (or ``debug = true``) it shows everything in
oslo.log's format, tracebacks included.  A log file gets what oslo.log
sends it.  Log lines never go to standard output, which holds the
command's results alone.
"""

import contextlib
import logging as std_logging
import sys

from oslo_log import log as logging

from glance_deactivate import store


class _NoTracebackFormatter(std_logging.Formatter):
    """One line per record: the message without the traceback."""

    def formatException(self, exc_info):
        return ''

    def format(self, record):
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


class _NotTheStoreWarning(std_logging.Filter):
    """Leave out the store's own warnings about an unavailable database.

    The command prints the error itself; a log file still gets them.
    """

    def filter(self, record):
        return not (record.name == store.__name__ and
                    record.levelno < std_logging.ERROR)


def _terminal_handlers(root):
    """The root handlers writing to the terminal (not to a file)."""
    return [handler for handler in root.handlers
            if isinstance(handler, std_logging.StreamHandler)
            and not isinstance(handler, std_logging.FileHandler)
            and handler.stream in (sys.stdout, sys.stderr)]


def setup(conf):
    """oslo.log's set-up, as glance-manage does, then the terminal's.

    Standard output holds the command's results: a handler oslo.log points
    there (``use_stderr = false`` with no log file) writes to standard error
    instead.  Without ``--debug`` the terminal gets one line per warning or
    error, with no traceback.
    """
    logging.setup(conf, 'glance-deactivate')
    for handler in _terminal_handlers(std_logging.getLogger()):
        if handler.stream is sys.stdout:
            handler.setStream(sys.stderr)
        if not conf.debug:
            handler.setLevel(std_logging.WARNING)
            handler.addFilter(_NotTheStoreWarning())
            handler.setFormatter(_NoTracebackFormatter(
                '%(levelname)s: %(message)s'))


def _logger_state(logger):
    return (logger.level, list(logger.handlers), logger.propagate,
            logger.disabled)


@contextlib.contextmanager
def restored():
    """Undo, on the way out, what oslo.log did to the process's logging.

    oslo.log configures the root logger (its handlers and level), the
    levels of the loggers in ``default_log_levels`` (all loggers, with
    ``log_config_append``) and ``sys.excepthook``, for the process's
    lifetime.  The command puts them back as it found them and closes the
    handlers opened meanwhile (a log file), so that ``main()`` can run
    several times in one process.
    """
    manager = std_logging.Logger.manager
    root = std_logging.getLogger()
    saved = {None: _logger_state(root)}
    for name, logger in list(manager.loggerDict.items()):
        if isinstance(logger, std_logging.Logger):
            saved[name] = _logger_state(logger)
    excepthook = sys.excepthook
    try:
        yield
    finally:
        sys.excepthook = excepthook
        for name, logger in [(None, root)] + list(manager.loggerDict.items()):
            if not isinstance(logger, std_logging.Logger):
                continue
            level, handlers, propagate, disabled = saved.get(
                name, (std_logging.NOTSET, [], True, False))
            for handler in logger.handlers:
                if handler not in handlers:
                    handler.close()
            logger.setLevel(level)
            logger.handlers[:] = handlers
            logger.propagate = propagate
            logger.disabled = disabled
