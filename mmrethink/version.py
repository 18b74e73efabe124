__version__ = '0.1.0'

#: Version of the config format: the keys, module names and base paths our
#: configs use. Every config states the format it was written for
#: (``mmrethink_config_format`` in ``configs/_base_/default_runtime.py``);
#: ``tools/train.py`` and ``tools/test.py`` refuse a config of another format
#: (a config copied from a newer mmrethink, or a work dir's dumped config from
#: an older one). Bump it, and add a line to ``CONFIG_FORMATS``, whenever a
#: change would make an older config mean something else or fail.
CONFIG_FORMAT = 1

#: What each format changed, for the error message.
CONFIG_FORMATS = {
    1: 'mmrethink 0.1.0: the first format',
}
