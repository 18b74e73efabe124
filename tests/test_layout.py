"""The package's architecture, checked on its source: private API of other
packages only in mmrethink/internals.py; arrows one way (tools import the
package, never each other; the package never imports tools; the runner
never imports the hooks; hooks never import hooks); utils/ holds only
generic helpers."""
import ast
import os
import os.path as osp

from conftest import ROOT

PACKAGE = osp.join(ROOT, 'mmrethink')


def _modules(folder):
    for dirpath, _, files in os.walk(folder):
        for name in sorted(files):
            if name.endswith('.py'):
                path = osp.join(dirpath, name)
                with open(path) as f:
                    yield path, ast.parse(f.read(), path)


def _module_name(path):
    rel = osp.relpath(path, ROOT)[:-3].replace(os.sep, '.')
    return rel[:-len('.__init__')] if rel.endswith('.__init__') else rel


def _imports(path, tree):
    """The absolute names of the modules ``tree`` imports."""
    package = _module_name(path)
    if not path.endswith('__init__.py'):
        package = package.rsplit('.', 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                parts = package.split('.')
                parts = parts[:len(parts) - node.level + 1]
                base = '.'.join(parts + ([base] if base else []))
            yield base
            yield from (f'{base}.{a.name}' for a in node.names)


def _private_reads(tree):
    """``x._name`` where ``x`` is not ``self``, ``cls``, ``super()`` or a
    class or function this module defines."""
    own = {n.name for n in ast.walk(tree)
           if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute)
                and node.attr.startswith('_')
                and not node.attr.startswith('__')):
            continue
        value = node.value
        if isinstance(value, ast.Name) and value.id in {'self', 'cls'} | own:
            continue
        if isinstance(value, ast.Call) and getattr(
                value.func, 'id', None) == 'super':
            continue
        yield node.lineno, ast.unparse(node)


def test_private_api_of_other_packages_only_in_internals():
    found = []
    for path, tree in _modules(PACKAGE):
        if path.endswith(osp.join('mmrethink', 'internals.py')):
            continue
        found += [f'{osp.relpath(path, ROOT)}:{line}: {text}'
                  for line, text in _private_reads(tree)]
    assert not found, 'private API outside mmrethink/internals.py:\n' + \
        '\n'.join(found)


def test_the_scan_finds_a_private_read(tmp_path):
    tree = ast.parse('def f(runner):\n    return runner._resume\n')
    assert [t for _, t in _private_reads(tree)] == ['runner._resume']


def test_arrows_point_one_way():
    wrong = []
    for path, tree in _modules(PACKAGE):
        name = _module_name(path)
        for imported in set(_imports(path, tree)):
            if imported.split('.')[0] == 'tools':
                wrong.append(f'{name} imports {imported}')
            if name.startswith('mmrethink.runner') and imported.startswith(
                    'mmrethink.hooks'):
                wrong.append(f'{name} imports {imported}')
            if name.startswith('mmrethink.hooks.') and imported.startswith(
                    'mmrethink.hooks.') and imported != name:
                wrong.append(f'{name} imports {imported}')
    tools = {osp.splitext(f)[0] for f in os.listdir(osp.join(ROOT, 'tools'))
             if f.endswith('.py')}
    for path, tree in _modules(osp.join(ROOT, 'tools')):
        for imported in set(_imports(path, tree)):
            if imported in tools:
                wrong.append(f'{osp.relpath(path, ROOT)} imports the tool '
                             f'{imported}')
    assert not wrong, '\n'.join(sorted(wrong))


def test_utils_holds_only_generic_helpers():
    """(and the old name of mmrethink.schedules, for downstream configs)"""
    assert sorted(f for f in os.listdir(osp.join(PACKAGE, 'utils'))
                  if f.endswith('.py')) == ['__init__.py', 'options.py',
                                            'schedules.py']


def _tool_files_named(tree, tools):
    """String constants (not docstrings) of ``tree`` that name a tool's
    file: how one tool would launch another."""
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef))
                  and n.body and isinstance(n.body[0], ast.Expr)}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and id(node) not in docstrings
                and osp.basename(node.value) in tools):
            yield node.lineno, node.value


def test_tools_never_launch_tools():
    """Tools that drive runs launch the package's commands
    (``mmrethink.commands.command_line``), never another tool's file."""
    tools = {f for f in os.listdir(osp.join(ROOT, 'tools'))
             if f.endswith(('.py', '.sh'))}
    found = [f'{osp.relpath(path, ROOT)}:{line}: {text!r}'
             for path, tree in _modules(osp.join(ROOT, 'tools'))
             for line, text in _tool_files_named(tree, tools)]
    assert not found, '\n'.join(found)


def test_the_launch_scan_finds_a_tool_file():
    tree = ast.parse('"""train.py"""\n'
                     'cmd = [exe, osp.join(HERE, "train.py"), config]\n')
    assert list(_tool_files_named(tree, {'train.py'})) == [(2, 'train.py')]


def test_tools_are_command_lines_of_the_package():
    """tools/train.py, test.py, pretrain_toy_backbone.py hold no logic:
    each runs its ``mmrethink.commands`` main."""
    for name in ('train', 'test', 'pretrain_toy_backbone'):
        with open(osp.join(ROOT, 'tools', name + '.py')) as f:
            tree = ast.parse(f.read())
        assert not [n for n in tree.body
                    if isinstance(n, (ast.FunctionDef, ast.ClassDef))], name
        assert f'mmrethink.commands.{name}' in set(
            _imports(osp.join(ROOT, 'tools', name + '.py'), tree)), name


def _cuda_skips(tree):
    """``skipif(<...>cuda.is_available()...)`` conditions that skip a test
    *because* CUDA is visible (not those that need it: ``not ...``)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, 'attr',
                                                  None) == 'skipif' \
                and node.args:
            condition = node.args[0]
            if isinstance(condition, ast.UnaryOp) and isinstance(
                    condition.op, ast.Not):
                continue
            text = ast.unparse(condition)
            if 'cuda.is_available' in text:
                found.append((node.lineno, text))
    return found


def test_no_test_skips_because_cuda_is_visible():
    """Multi-process tests launch with CUDA_VISIBLE_DEVICES='' (gloo), so
    they run on a GPU machine too; GPU-only tests skip without one."""
    tests = osp.join(ROOT, 'tests')
    found = [f'{osp.relpath(path, ROOT)}:{line}: {text}'
             for path, tree in _modules(tests)
             for line, text in _cuda_skips(tree)]
    assert not found, found


def test_the_cuda_skip_scan_finds_one():
    skip = '@pytest.mark.skip' + 'if('  # (no such line in this file)
    tree = ast.parse(skip + 'torch.cuda.is_available(), '
                     'reason="x")\ndef test_a():\n    pass\n'
                     + skip + 'not torch.cuda.is_available(), '
                     'reason="y")\ndef test_b():\n    pass\n')
    assert [t for _, t in _cuda_skips(tree)] == ['torch.cuda.is_available()']
