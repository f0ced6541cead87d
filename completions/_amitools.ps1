
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'amitools' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'amitools'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'amitools' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Named profile from the AWS config and credentials files')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]')
            [CompletionResult]::new('--region-endpoint', '--region-endpoint', [CompletionResultType]::ParameterName, 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--accounts', '--accounts', [CompletionResultType]::ParameterName, 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"')
            [CompletionResult]::new('--profiles', '--profiles', [CompletionResultType]::ParameterName, 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--organization', '--organization', [CompletionResultType]::ParameterName, 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create an image from an instance, named and tagged with its lineage')
            [CompletionResult]::new('tag', 'tag', [CompletionResultType]::ParameterValue, 'Set the lineage tags on an image made some other way')
            [CompletionResult]::new('waiton', 'waiton', [CompletionResultType]::ParameterValue, 'Wait for an image to reach a state')
            [CompletionResult]::new('ancestors', 'ancestors', [CompletionResultType]::ParameterValue, 'Show the images an image was made from, back to the root')
            [CompletionResult]::new('children', 'children', [CompletionResultType]::ParameterValue, 'Show the images made from an image, and from those, as a tree')
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy an image to another region (or the same one), keeping its lineage')
            [CompletionResult]::new('clone', 'clone', [CompletionResultType]::ParameterValue, 'Make your own copy of an image, in the same region, keeping its lineage')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete old images and their snapshots, per family, never what is in use')
            [CompletionResult]::new('share', 'share', [CompletionResultType]::ParameterValue, 'Share an image with other accounts so that they can launch and copy it')
            [CompletionResult]::new('unshare', 'unshare', [CompletionResultType]::ParameterValue, 'Stop sharing an image: the launch permission and the snapshots'' create-volume permission')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke images: stop new launches of an image and of everything made from it')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Undo a revoke: exactly what `amitools revoke` did to each image')
            [CompletionResult]::new('watermark', 'watermark', [CompletionResultType]::ParameterValue, 'Attach an AMI watermark to an image of yours (or remove one)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'amitools;create' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name for the new image [default: PREFIX-<unix seconds>-<random number>]')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Name for the new image [default: PREFIX-<unix seconds>-<random number>]')
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'Prefix for the generated name')
            [CompletionResult]::new('--random-name-prefix', '--random-name-prefix', [CompletionResultType]::ParameterName, 'Prefix for the generated name')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Description for the new image')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'Description for the new image')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Extra tag for the image and its snapshots (repeatable); lineage tags cannot be overridden')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'Extra tag for the image and its snapshots (repeatable); lineage tags cannot be overridden')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'With --wait: give up waiting after this long (90s, 15m, 1h, 1h30m or seconds); large cross-region copies take hours')
            [CompletionResult]::new('--watermark', '--watermark', [CompletionResultType]::ParameterName, 'Attach this AMI watermark to the new image (as `amitools watermark`), so that every image made from it carries it')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Named profile from the AWS config and credentials files')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]')
            [CompletionResult]::new('--region-endpoint', '--region-endpoint', [CompletionResultType]::ParameterName, 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--accounts', '--accounts', [CompletionResultType]::ParameterName, 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"')
            [CompletionResult]::new('--profiles', '--profiles', [CompletionResultType]::ParameterName, 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait until the image is available (as `amitools waiton`); the id is printed first')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Ask EC2 whether the request would succeed (permissions, parameters); create nothing')
            [CompletionResult]::new('--no-reboot', '--no-reboot', [CompletionResultType]::ParameterName, 'Do not shut the instance down first (the file system may be inconsistent)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--organization', '--organization', [CompletionResultType]::ParameterName, 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'amitools;tag' {
            [CompletionResult]::new('--source-image', '--source-image', [CompletionResultType]::ParameterName, 'The AMI the image was made from')
            [CompletionResult]::new('--source-instance', '--source-instance', [CompletionResultType]::ParameterName, 'The instance the image was made from (optional: an image made by CopyImage, RegisterImage or an import has none)')
            [CompletionResult]::new('--source-region', '--source-region', [CompletionResultType]::ParameterName, 'The region of the source AMI')
            [CompletionResult]::new('--create-date', '--create-date', [CompletionResultType]::ParameterName, 'When the image was made, UTC: YYYYMMDDTHHMMSSZ')
            [CompletionResult]::new('--create-timestamp', '--create-timestamp', [CompletionResultType]::ParameterName, 'When the image was made, in seconds since 1970-01-01 UTC')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Named profile from the AWS config and credentials files')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]')
            [CompletionResult]::new('--region-endpoint', '--region-endpoint', [CompletionResultType]::ParameterName, 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--accounts', '--accounts', [CompletionResultType]::ParameterName, 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"')
            [CompletionResult]::new('--profiles', '--profiles', [CompletionResultType]::ParameterName, 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)')
            [CompletionResult]::new('--from-api', '--from-api', [CompletionResultType]::ParameterName, 'Fill values not given from what EC2 recorded (SourceImageId, SourceImageRegion, SourceInstanceId, CreationDate)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would be set; set nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--organization', '--organization', [CompletionResultType]::ParameterName, 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'amitools;waiton' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up after this long (90s, 15m, 1h, 1h30m or seconds)')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Longest pause between two checks (at least 1s)')
            [CompletionResult]::new('--exist-timeout', '--exist-timeout', [CompletionResultType]::ParameterName, 'How long "not found" means "not visible yet", within --timeout')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Named profile from the AWS config and credentials files')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]')
            [CompletionResult]::new('--region-endpoint', '--region-endpoint', [CompletionResultType]::ParameterName, 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--accounts', '--accounts', [CompletionResultType]::ParameterName, 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"')
            [CompletionResult]::new('--profiles', '--profiles', [CompletionResultType]::ParameterName, 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)')
            [CompletionResult]::new('--dumb', '--dumb', [CompletionResultType]::ParameterName, 'Wait strictly for STATE until the timeout, even when it can never be reached')
            [CompletionResult]::new('--nowait-exist', '--nowait-exist', [CompletionResultType]::ParameterName, 'An image not visible at the first check is "not found" (exit 5) at once')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--organization', '--organization', [CompletionResultType]::ParameterName, 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'amitools;ancestors' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Columns to show, in order: image_id, create_date, create_ts, source_instance, source_region, name, state, owner, description, origin, revoked, account, watermarks')
            [CompletionResult]::new('--columns', '--columns', [CompletionResultType]::ParameterName, 'Columns to show, in order: image_id, create_date, create_ts, source_instance, source_region, name, state, owner, description, origin, revoked, account, watermarks')
            [CompletionResult]::new('--max-depth', '--max-depth', [CompletionResultType]::ParameterName, 'Stop after this many generations')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Named profile from the AWS config and credentials files')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]')
            [CompletionResult]::new('--region-endpoint', '--region-endpoint', [CompletionResultType]::ParameterName, 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--accounts', '--accounts', [CompletionResultType]::ParameterName, 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"')
            [CompletionResult]::new('--profiles', '--profiles', [CompletionResultType]::ParameterName, 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)')
            [CompletionResult]::new('--no-header', '--no-header', [CompletionResultType]::ParameterName, 'Leave out the header line')
            [CompletionResult]::new('--ids', '--ids', [CompletionResultType]::ParameterName, 'Print only the image ids, one per line')
            [CompletionResult]::new('--tags-only', '--tags-only', [CompletionResultType]::ParameterName, 'Follow only lineage tags, not what EC2 recorded (SourceImageId)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--organization', '--organization', [CompletionResultType]::ParameterName, 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'amitools;children' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Columns to show, in order: image_id, create_date, create_ts, source_instance, source_region, name, state, owner, description, origin, revoked, account, watermarks')
            [CompletionResult]::new('--columns', '--columns', [CompletionResultType]::ParameterName, 'Columns to show, in order: image_id, create_date, create_ts, source_instance, source_region, name, state, owner, description, origin, revoked, account, watermarks')
            [CompletionResult]::new('--depth', '--depth', [CompletionResultType]::ParameterName, 'Show at most this many generations')
            [CompletionResult]::new('--regions', '--regions', [CompletionResultType]::ParameterName, 'Look for children in these regions [default: the current region]')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Named profile from the AWS config and credentials files')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]')
            [CompletionResult]::new('--region-endpoint', '--region-endpoint', [CompletionResultType]::ParameterName, 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--accounts', '--accounts', [CompletionResultType]::ParameterName, 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"')
            [CompletionResult]::new('--profiles', '--profiles', [CompletionResultType]::ParameterName, 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)')
            [CompletionResult]::new('--no-header', '--no-header', [CompletionResultType]::ParameterName, 'Leave out the header line')
            [CompletionResult]::new('--ids', '--ids', [CompletionResultType]::ParameterName, 'Print only the image ids, one per line')
            [CompletionResult]::new('--tags-only', '--tags-only', [CompletionResultType]::ParameterName, 'Follow only lineage tags, not what EC2 recorded (SourceImageId)')
            [CompletionResult]::new('--flat', '--flat', [CompletionResultType]::ParameterName, 'A table with a DEPTH column instead of the tree')
            [CompletionResult]::new('--uses', '--uses', [CompletionResultType]::ParameterName, 'Count what uses each image in this account: instances, launch templates, launch configurations, SSM parameters, recipes')
            [CompletionResult]::new('--all-regions', '--all-regions', [CompletionResultType]::ParameterName, 'Look for children in every region enabled for the account')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--organization', '--organization', [CompletionResultType]::ParameterName, 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'amitools;copy' {
            [CompletionResult]::new('--source-region', '--source-region', [CompletionResultType]::ParameterName, 'The region the source image is in [default: the current region]')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'The region(s) to copy to: repeatable or comma-separated, one copy each, made and waited on concurrently [default: the current region]')
            [CompletionResult]::new('--dest-region', '--dest-region', [CompletionResultType]::ParameterName, 'The region(s) to copy to: repeatable or comma-separated, one copy each, made and waited on concurrently [default: the current region]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name for the new image [default: PREFIX-<unix seconds>-<random number>]')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Name for the new image [default: PREFIX-<unix seconds>-<random number>]')
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'Prefix for the generated name')
            [CompletionResult]::new('--random-name-prefix', '--random-name-prefix', [CompletionResultType]::ParameterName, 'Prefix for the generated name')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Description for the new image')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'Description for the new image')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Extra tag for the image and its snapshots (repeatable); lineage tags cannot be overridden')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'Extra tag for the image and its snapshots (repeatable); lineage tags cannot be overridden')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'With --wait: give up waiting after this long (90s, 15m, 1h, 1h30m or seconds); large cross-region copies take hours')
            [CompletionResult]::new('--kms-key-id', '--kms-key-id', [CompletionResultType]::ParameterName, 'KMS key for the encrypted copy: key id, key ARN, alias name or alias ARN')
            [CompletionResult]::new('--share-with', '--share-with', [CompletionResultType]::ParameterName, 'Once available (--wait), share each copy as `share --with` does: an account id, organization ARN or OU ARN (repeatable, or comma-separated)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Named profile from the AWS config and credentials files')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]')
            [CompletionResult]::new('--region-endpoint', '--region-endpoint', [CompletionResultType]::ParameterName, 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--accounts', '--accounts', [CompletionResultType]::ParameterName, 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"')
            [CompletionResult]::new('--profiles', '--profiles', [CompletionResultType]::ParameterName, 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait until the image is available (as `amitools waiton`); the id is printed first')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Ask EC2 whether the request would succeed (permissions, parameters); create nothing')
            [CompletionResult]::new('--encrypted', '--encrypted', [CompletionResultType]::ParameterName, 'Encrypt the copy''s snapshots (with the account''s default EBS key unless --kms-key-id)')
            [CompletionResult]::new('--no-copy-tags', '--no-copy-tags', [CompletionResultType]::ParameterName, 'Do not copy the source''s own tags (the lineage tags are always set)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--organization', '--organization', [CompletionResultType]::ParameterName, 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'amitools;clone' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name for the new image [default: PREFIX-<unix seconds>-<random number>]')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Name for the new image [default: PREFIX-<unix seconds>-<random number>]')
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'Prefix for the generated name')
            [CompletionResult]::new('--random-name-prefix', '--random-name-prefix', [CompletionResultType]::ParameterName, 'Prefix for the generated name')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Description for the new image')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'Description for the new image')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Extra tag for the image and its snapshots (repeatable); lineage tags cannot be overridden')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'Extra tag for the image and its snapshots (repeatable); lineage tags cannot be overridden')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'With --wait: give up waiting after this long (90s, 15m, 1h, 1h30m or seconds); large cross-region copies take hours')
            [CompletionResult]::new('--kms-key-id', '--kms-key-id', [CompletionResultType]::ParameterName, 'KMS key for the encrypted copy: key id, key ARN, alias name or alias ARN')
            [CompletionResult]::new('--share-with', '--share-with', [CompletionResultType]::ParameterName, 'Once available (--wait), share each copy as `share --with` does: an account id, organization ARN or OU ARN (repeatable, or comma-separated)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Named profile from the AWS config and credentials files')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]')
            [CompletionResult]::new('--region-endpoint', '--region-endpoint', [CompletionResultType]::ParameterName, 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--accounts', '--accounts', [CompletionResultType]::ParameterName, 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"')
            [CompletionResult]::new('--profiles', '--profiles', [CompletionResultType]::ParameterName, 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait until the image is available (as `amitools waiton`); the id is printed first')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Ask EC2 whether the request would succeed (permissions, parameters); create nothing')
            [CompletionResult]::new('--encrypted', '--encrypted', [CompletionResultType]::ParameterName, 'Encrypt the copy''s snapshots (with the account''s default EBS key unless --kms-key-id)')
            [CompletionResult]::new('--no-copy-tags', '--no-copy-tags', [CompletionResultType]::ParameterName, 'Do not copy the source''s own tags (the lineage tags are always set)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--organization', '--organization', [CompletionResultType]::ParameterName, 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'amitools;prune' {
            [CompletionResult]::new('--regions', '--regions', [CompletionResultType]::ParameterName, 'Consider the images in these regions [default: the current region]')
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'Only images named PREFIX-… (as `create -N PREFIX` names them)')
            [CompletionResult]::new('--name-prefix', '--name-prefix', [CompletionResultType]::ParameterName, 'Only images named PREFIX-… (as `create -N PREFIX` names them)')
            [CompletionResult]::new('--filter', '--filter', [CompletionResultType]::ParameterName, 'Only images with this tag (repeatable: all must match)')
            [CompletionResult]::new('--descendants-of', '--descendants-of', [CompletionResultType]::ParameterName, 'Only this image (in the current region) and the images made from it')
            [CompletionResult]::new('--keep', '--keep', [CompletionResultType]::ParameterName, 'Keep this many newest available images of each family, per region')
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Keep images younger than this (14d, 36h, 90d); older ones are deleted')
            [CompletionResult]::new('--deprecate-after', '--deprecate-after', [CompletionResultType]::ParameterName, 'Deprecate images this old (launches keep working; uses and sharing do not stop it)')
            [CompletionResult]::new('--disable-after', '--disable-after', [CompletionResultType]::ParameterName, 'Disable images this old (nothing can launch them; checked as deletion is)')
            [CompletionResult]::new('--unused-for', '--unused-for', [CompletionResultType]::ParameterName, 'Keep images launched from within this (EC2 reports launches up to a day late: a day is added)')
            [CompletionResult]::new('--family', '--family', [CompletionResultType]::ParameterName, 'What makes a family: prefix (of generated names), tag:KEY, or source (same source image)')
            [CompletionResult]::new('--usage-report-timeout', '--usage-report-timeout', [CompletionResultType]::ParameterName, 'With --include-shared (or a plan made with it): how long to wait for the usage reports (90s, 15m, 1h or seconds)')
            [CompletionResult]::new('--plan-out', '--plan-out', [CompletionResultType]::ParameterName, 'Also save the plan as JSON to FILE (for --apply-plan)')
            [CompletionResult]::new('--apply-plan', '--apply-plan', [CompletionResultType]::ParameterName, 'Carry out a saved plan''s deprecations, disables and deletions that its rules still allow, each re-checked just before')
            [CompletionResult]::new('--max-plan-age', '--max-plan-age', [CompletionResultType]::ParameterName, 'Refuse a saved plan older than this (--apply-plan)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Named profile from the AWS config and credentials files')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]')
            [CompletionResult]::new('--region-endpoint', '--region-endpoint', [CompletionResultType]::ParameterName, 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--accounts', '--accounts', [CompletionResultType]::ParameterName, 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"')
            [CompletionResult]::new('--profiles', '--profiles', [CompletionResultType]::ParameterName, 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)')
            [CompletionResult]::new('--all-regions', '--all-regions', [CompletionResultType]::ParameterName, 'Consider every region enabled for the account')
            [CompletionResult]::new('--keep-ancestors', '--keep-ancestors', [CompletionResultType]::ParameterName, 'Also keep every ancestor of every kept image')
            [CompletionResult]::new('--include-shared', '--include-shared', [CompletionResultType]::ParameterName, 'Delete shared images too when EC2''s AMI usage reports show no use in the accounts they are shared with, and the reports'' lag (7d) has passed')
            [CompletionResult]::new('--include-public', '--include-public', [CompletionResultType]::ParameterName, 'With --include-shared: public images too (their reports cover every account)')
            [CompletionResult]::new('--keep-snapshots', '--keep-snapshots', [CompletionResultType]::ParameterName, 'Deregister images but leave their snapshots')
            [CompletionResult]::new('--apply', '--apply', [CompletionResultType]::ParameterName, 'Carry out what the plan says: deprecate, disable, delete (each image re-checked just before)')
            [CompletionResult]::new('--no-header', '--no-header', [CompletionResultType]::ParameterName, 'Leave out the header line')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--organization', '--organization', [CompletionResultType]::ParameterName, 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'amitools;share' {
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'An account id, an organization ARN or an organizational unit ARN (repeatable, or comma-separated)')
            [CompletionResult]::new('--with', '--with', [CompletionResultType]::ParameterName, 'An account id, an organization ARN or an organizational unit ARN (repeatable, or comma-separated)')
            [CompletionResult]::new('--regions', '--regions', [CompletionResultType]::ParameterName, 'With --copies: the regions searched for copies [default: the current region]')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Named profile from the AWS config and credentials files')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]')
            [CompletionResult]::new('--region-endpoint', '--region-endpoint', [CompletionResultType]::ParameterName, 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--accounts', '--accounts', [CompletionResultType]::ParameterName, 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"')
            [CompletionResult]::new('--profiles', '--profiles', [CompletionResultType]::ParameterName, 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)')
            [CompletionResult]::new('--public', '--public', [CompletionResultType]::ParameterName, 'Everyone: the image and its snapshots public (refused for encrypted snapshots and under image block public access)')
            [CompletionResult]::new('--copies', '--copies', [CompletionResultType]::ParameterName, 'Also the image''s copies (made by CopyImage from it or from a copy of it), found as `children` finds them')
            [CompletionResult]::new('--all-regions', '--all-regions', [CompletionResultType]::ParameterName, 'With --copies: every region enabled for the account')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show every change (and what is already so); change nothing')
            [CompletionResult]::new('--show', '--show', [CompletionResultType]::ParameterName, 'Show who may launch the image and create volumes from each snapshot; change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--organization', '--organization', [CompletionResultType]::ParameterName, 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'amitools;unshare' {
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'An account id, an organization ARN or an organizational unit ARN (repeatable, or comma-separated)')
            [CompletionResult]::new('--with', '--with', [CompletionResultType]::ParameterName, 'An account id, an organization ARN or an organizational unit ARN (repeatable, or comma-separated)')
            [CompletionResult]::new('--regions', '--regions', [CompletionResultType]::ParameterName, 'With --copies: the regions searched for copies [default: the current region]')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Named profile from the AWS config and credentials files')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]')
            [CompletionResult]::new('--region-endpoint', '--region-endpoint', [CompletionResultType]::ParameterName, 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--accounts', '--accounts', [CompletionResultType]::ParameterName, 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"')
            [CompletionResult]::new('--profiles', '--profiles', [CompletionResultType]::ParameterName, 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)')
            [CompletionResult]::new('--public', '--public', [CompletionResultType]::ParameterName, 'Everyone: the image and its snapshots public (refused for encrypted snapshots and under image block public access)')
            [CompletionResult]::new('--copies', '--copies', [CompletionResultType]::ParameterName, 'Also the image''s copies (made by CopyImage from it or from a copy of it), found as `children` finds them')
            [CompletionResult]::new('--all-regions', '--all-regions', [CompletionResultType]::ParameterName, 'With --copies: every region enabled for the account')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show every change (and what is already so); change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--organization', '--organization', [CompletionResultType]::ParameterName, 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'amitools;revoke' {
            [CompletionResult]::new('--regions', '--regions', [CompletionResultType]::ParameterName, 'With --descendants: the regions searched [default: the current region]')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why, recorded in the amitools:revoked tag (at most 223 characters)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Named profile from the AWS config and credentials files')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]')
            [CompletionResult]::new('--region-endpoint', '--region-endpoint', [CompletionResultType]::ParameterName, 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--accounts', '--accounts', [CompletionResultType]::ParameterName, 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"')
            [CompletionResult]::new('--profiles', '--profiles', [CompletionResultType]::ParameterName, 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)')
            [CompletionResult]::new('--descendants', '--descendants', [CompletionResultType]::ParameterName, 'Each image and every image made from it, found as `children` finds them')
            [CompletionResult]::new('--all-regions', '--all-regions', [CompletionResultType]::ParameterName, 'With --descendants: every region enabled for the account')
            [CompletionResult]::new('--apply', '--apply', [CompletionResultType]::ParameterName, 'Carry the plan out (without it, nothing is changed)')
            [CompletionResult]::new('--no-header', '--no-header', [CompletionResultType]::ParameterName, 'Leave out the header line')
            [CompletionResult]::new('--disable', '--disable', [CompletionResultType]::ParameterName, 'Disable instead of deprecate: every use shown stops launching')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--organization', '--organization', [CompletionResultType]::ParameterName, 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'amitools;restore' {
            [CompletionResult]::new('--regions', '--regions', [CompletionResultType]::ParameterName, 'With --descendants: the regions searched [default: the current region]')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Named profile from the AWS config and credentials files')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]')
            [CompletionResult]::new('--region-endpoint', '--region-endpoint', [CompletionResultType]::ParameterName, 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--accounts', '--accounts', [CompletionResultType]::ParameterName, 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"')
            [CompletionResult]::new('--profiles', '--profiles', [CompletionResultType]::ParameterName, 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)')
            [CompletionResult]::new('--descendants', '--descendants', [CompletionResultType]::ParameterName, 'Each image and every image made from it, found as `children` finds them')
            [CompletionResult]::new('--all-regions', '--all-regions', [CompletionResultType]::ParameterName, 'With --descendants: every region enabled for the account')
            [CompletionResult]::new('--apply', '--apply', [CompletionResultType]::ParameterName, 'Carry the plan out (without it, nothing is changed)')
            [CompletionResult]::new('--no-header', '--no-header', [CompletionResultType]::ParameterName, 'Leave out the header line')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--organization', '--organization', [CompletionResultType]::ParameterName, 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'amitools;watermark' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Named profile from the AWS config and credentials files')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]')
            [CompletionResult]::new('--region-endpoint', '--region-endpoint', [CompletionResultType]::ParameterName, 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--accounts', '--accounts', [CompletionResultType]::ParameterName, 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"')
            [CompletionResult]::new('--profiles', '--profiles', [CompletionResultType]::ParameterName, 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)')
            [CompletionResult]::new('--remove', '--remove', [CompletionResultType]::ParameterName, 'Detach the watermark instead')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr: no notes, no progress')
            [CompletionResult]::new('--organization', '--organization', [CompletionResultType]::ParameterName, 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'amitools;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create an image from an instance, named and tagged with its lineage')
            [CompletionResult]::new('tag', 'tag', [CompletionResultType]::ParameterValue, 'Set the lineage tags on an image made some other way')
            [CompletionResult]::new('waiton', 'waiton', [CompletionResultType]::ParameterValue, 'Wait for an image to reach a state')
            [CompletionResult]::new('ancestors', 'ancestors', [CompletionResultType]::ParameterValue, 'Show the images an image was made from, back to the root')
            [CompletionResult]::new('children', 'children', [CompletionResultType]::ParameterValue, 'Show the images made from an image, and from those, as a tree')
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy an image to another region (or the same one), keeping its lineage')
            [CompletionResult]::new('clone', 'clone', [CompletionResultType]::ParameterValue, 'Make your own copy of an image, in the same region, keeping its lineage')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete old images and their snapshots, per family, never what is in use')
            [CompletionResult]::new('share', 'share', [CompletionResultType]::ParameterValue, 'Share an image with other accounts so that they can launch and copy it')
            [CompletionResult]::new('unshare', 'unshare', [CompletionResultType]::ParameterValue, 'Stop sharing an image: the launch permission and the snapshots'' create-volume permission')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke images: stop new launches of an image and of everything made from it')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Undo a revoke: exactly what `amitools revoke` did to each image')
            [CompletionResult]::new('watermark', 'watermark', [CompletionResultType]::ParameterValue, 'Attach an AMI watermark to an image of yours (or remove one)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'amitools;help;create' {
            break
        }
        'amitools;help;tag' {
            break
        }
        'amitools;help;waiton' {
            break
        }
        'amitools;help;ancestors' {
            break
        }
        'amitools;help;children' {
            break
        }
        'amitools;help;copy' {
            break
        }
        'amitools;help;clone' {
            break
        }
        'amitools;help;prune' {
            break
        }
        'amitools;help;share' {
            break
        }
        'amitools;help;unshare' {
            break
        }
        'amitools;help;revoke' {
            break
        }
        'amitools;help;restore' {
            break
        }
        'amitools;help;watermark' {
            break
        }
        'amitools;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
